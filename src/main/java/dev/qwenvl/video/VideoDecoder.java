package dev.qwenvl.video;

import java.util.List;

/**
 * Turns a {@link VideoSource} into engine-ready windows. The production implementation
 * ({@link JepVideoDecoder}) decodes with PyAV in the embedded interpreter, and the frames stay
 * there; tests substitute their own.
 *
 * <p>Thread-safe. Problems with the input raise {@link VideoInputException} naming the input and
 * the reason; other failures raise other {@code QwenVlException}s.
 */
public interface VideoDecoder {

    /** Frame count, rate and size of a video. */
    VideoInfo probe(VideoSource source);

    /**
     * Decodes (files, bytes) or selects (Java frames) each window's sampled frames, preprocessed
     * for the model when {@code modelPreprocesses} is false (float32, Qwen-sized, normalised), left
     * as uint8 at the source size when it is true.
     */
    PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, boolean modelPreprocesses);
}
