package dev.qwenvl.jep;

import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.model.InferenceBackend;
import dev.qwenvl.model.WeightsDownloader;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.util.List;

/**
 * vLLM, PyAV and huggingface_hub in the process-wide embedded CPython ({@link PythonRuntime#shared()}),
 * which starts when one of these parts is first used. Registered for {@link InferenceBackend#installed()}.
 */
public final class JepBackend implements InferenceBackend {

    @Override
    public String name() {
        return "vLLM in embedded CPython (JEP)";
    }

    @Override
    public LlmEngineFactory engineFactory() {
        return new JepEngineFactory(PythonRuntime::shared);
    }

    @Override
    public VideoDecoder videoDecoder() {
        return new VideoDecoder() {
            private JepVideoDecoder decoder;

            private synchronized JepVideoDecoder decoder() {
                if (decoder == null) {
                    decoder = new JepVideoDecoder(PythonRuntime.shared());
                }
                return decoder;
            }

            @Override
            public VideoInfo probe(VideoSource source) {
                return decoder().probe(source);
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
                return decoder().prepare(source, windows, family, modelPreprocesses);
            }
        };
    }

    @Override
    public WeightsDownloader weightsDownloader() {
        return (variant, modelDir, options) -> new JepWeightsDownloader(PythonRuntime.shared()).download(variant, modelDir, options);
    }
}
