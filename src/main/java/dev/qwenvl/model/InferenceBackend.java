package dev.qwenvl.model;

import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.video.VideoDecoder;
import java.util.List;
import java.util.ServiceLoader;

/**
 * What runs the model on this machine: the engine, the video decoder that feeds it and the weights
 * downloader. The library's one implementation is vLLM in an embedded CPython
 * ({@code dev.qwenvl.jep.JepBackend}); it is found through {@link ServiceLoader}, so that
 * {@code model}, {@code video}, {@code caption} and {@code prompt} never name it.
 *
 * <p>Implementations start nothing until one of their parts is first used.
 */
public interface InferenceBackend {

    /** A short name for logs and errors. */
    String name();

    /** Starts engines (one per {@code setup()}). */
    LlmEngineFactory engineFactory();

    /** Decodes videos into engine-ready windows. */
    VideoDecoder videoDecoder();

    /** Downloads weights onto this node. */
    WeightsDownloader weightsDownloader();

    /**
     * The backend on the class path (the library jar registers one).
     *
     * @throws IllegalStateException when none or more than one is registered
     */
    static InferenceBackend installed() {
        List<InferenceBackend> found = ServiceLoader.load(InferenceBackend.class, InferenceBackend.class.getClassLoader())
                .stream().map(ServiceLoader.Provider::get).toList();
        if (found.size() != 1) {
            throw new IllegalStateException("expected exactly one " + InferenceBackend.class.getName()
                    + " on the class path (META-INF/services), found " + found.stream().map(InferenceBackend::name).toList()
                    + "; use the constructors that take an engine factory and a decoder instead");
        }
        return found.get(0);
    }
}
