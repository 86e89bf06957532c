package dev.qwenvl.video;

import java.util.List;

/**
 * Turns a {@link VideoSource} into engine-ready windows. The production implementation
 * ({@code dev.qwenvl.jep.JepVideoDecoder}) decodes with PyAV in the embedded interpreter, and the frames stay
 * there; tests substitute their own.
 *
 * <p>Thread-safe. Problems with the input raise {@link VideoInputException} naming the input and
 * the reason; other failures raise other {@code QwenVlException}s.
 */
public interface VideoDecoder {

    /** Frame count, rate and size of a video. */
    VideoInfo probe(VideoSource source);

    /**
     * Decodes (files, bytes) or selects (Java frames) each window's sampled frames. When
     * {@code modelPreprocesses} is false they are resized here to the size the model family's
     * vision encoder takes (uint8: vLLM rescales and normalises them, once); when it is true they
     * stay uint8 at the source size and each window carries the processor arguments (the family's
     * pixel bounds for that window) that make vLLM's processor size them the same way.
     *
     * @param family a model family key ({@code qwen2.5}, {@code qwen3}; see {@code ModelVariant})
     */
    PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses);

    /**
     * {@link #prepare(VideoSource, List, String, boolean)} on a decode lane: FFmpeg uses
     * {@code lane.codecThreads()} threads, and the decode stops with
     * {@link DecodeCancelledException} once {@code lane.cancelled()} turns true. The frames are
     * the same as {@link #prepare(VideoSource, List, String, boolean)}'s. Decoders that have no
     * lanes ignore {@code lane}.
     */
    default PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses,
                                  DecodeLane lane) {
        return prepare(source, windows, family, modelPreprocesses);
    }

    /**
     * The bytes of frames {@link #prepare} will hold for these windows of a video that probed as
     * {@code info}, known before the decode starts (the stream counts them against its frame
     * budget first). The default counts every sampled frame at the probed size, uint8 RGB (exact
     * when the model preprocesses); decoders that resize answer their exact figure.
     */
    default long frameBytes(VideoInfo info, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        long frames = 0;
        for (VideoWindow w : windows) {
            frames += w.sampledFrameIndices().size();
        }
        return frames * info.width() * info.height() * 3L;
    }

    /** {@link #prepare(VideoSource, List, String, boolean)} for Qwen2.5-VL. */
    default PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, boolean modelPreprocesses) {
        return prepare(source, windows, "qwen2.5", modelPreprocesses);
    }
}
