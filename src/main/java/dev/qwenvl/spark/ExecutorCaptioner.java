package dev.qwenvl.spark;

import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.video.VideoSource;
import java.util.List;

/**
 * What a Spark task captions its videos with: one per executor JVM, shared by the tasks running in
 * it at once (so thread-safe), held by {@link ExecutorCaptioners}. Made by
 * {@link ExecutorCaptioners#FACTORY} — the one place that says which captioner runs on executors.
 */
public interface ExecutorCaptioner extends AutoCloseable {

    /** Captions {@code sources}: one result per source, in order, a failed video as its error. */
    List<VideoCaptions> caption(List<VideoSource> sources);

    /** Releases the model (idempotent). */
    @Override
    void close();

    /** Makes the captioner of an executor. */
    @FunctionalInterface
    interface Factory {
        /**
         * Starts a captioner for {@code config} on the embedded Python {@code runtime} (whose
         * environment already names the task's accelerator).
         */
        ExecutorCaptioner open(SparkCaptionConfig config, dev.qwenvl.jep.PythonRuntime runtime);
    }
}
