package dev.qwenvl.video;

import dev.qwenvl.QwenVlException;
import java.util.Objects;

/**
 * A video input cannot be used: the file is missing, the bytes are not a video, the stream is
 * corrupt, the frames have the wrong shape, and so on. Carries the {@linkplain #source() display
 * name} of the offending input and a machine-readable {@linkplain #reason() reason}, so a batch
 * can report the one bad video and caption the others.
 *
 * <p>The reason names equal the {@code reason} strings of the Python half's {@code VideoError}
 * ({@code qwenvl_bridge.video}), so the bridge maps one to the other with
 * {@link Reason#valueOf(String)}.
 */
public class VideoInputException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    /** Why a video input was rejected. */
    public enum Reason {
        /** The file does not exist. */
        MISSING_FILE,
        /** The file exists but cannot be read (permissions, a directory, ...). */
        UNREADABLE_FILE,
        /** The input is not a video: unknown container, or no video stream. */
        NOT_A_VIDEO,
        /** The container is recognised but its video stream is truncated or cannot be decoded. */
        CORRUPT_STREAM,
        /** The video has fewer frames than the minimum a caption needs. */
        TOO_FEW_FRAMES,
        /** Java frames whose buffer or shape is inconsistent. */
        BAD_SHAPE,
        /** Java frames with a channel count other than 3 (RGB). */
        UNSUPPORTED_CHANNELS,
        /** Height/width (or width/height) over 200, which the model's resizing cannot represent. */
        EXTREME_ASPECT_RATIO,
        /** A frame rate that is not a positive finite number. */
        BAD_FPS,
        /** An empty in-memory video. */
        EMPTY_DATA,
        /** A window whose frames would not fit the model's context (max_model_len); checked before vLLM. */
        WINDOW_TOO_LONG
    }

    private final String source;
    private final Reason reason;

    /**
     * @param source display name of the input (a path, a name given with in-memory bytes, ...)
     * @param reason why it was rejected
     * @param detail what failed and how to fix it; the message is prefixed with the source name
     */
    public VideoInputException(String source, Reason reason, String detail) {
        this(source, reason, detail, null);
    }

    public VideoInputException(String source, Reason reason, String detail, Throwable cause) {
        super("video '" + source + "': " + detail + " [" + reason + "]", cause);
        this.source = Objects.requireNonNull(source, "source");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Display name of the rejected input. */
    public String source() {
        return source;
    }

    /** Why the input was rejected. */
    public Reason reason() {
        return reason;
    }
}
