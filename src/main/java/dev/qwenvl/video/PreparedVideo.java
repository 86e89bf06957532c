package dev.qwenvl.video;

import dev.qwenvl.engine.VideoPayload;
import java.util.List;
import java.util.Objects;

/**
 * A video's windows, decoded and preprocessed, ready for the engine: one payload per window, in
 * window order. The frames live on the Python side until {@link #close()} releases them.
 */
public final class PreparedVideo implements AutoCloseable {
    private final VideoSource source;
    private final List<VideoWindow> windows;
    private final List<VideoPayload> payloads;
    private final Runnable release;
    private final long frameBytes;
    private boolean closed;

    /** Frames held by Java count their buffers' bytes; frames held by Python count nothing. */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads, Runnable release) {
        this(source, windows, payloads, release, javaBytes(payloads));
    }

    /**
     * @param frameBytes the bytes of all windows' frames, wherever they are held (the streaming
     *                   captioner's memory budget counts them)
     */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads, Runnable release,
                         long frameBytes) {
        this.frameBytes = frameBytes;
        this.source = Objects.requireNonNull(source, "source");
        this.windows = List.copyOf(windows);
        this.payloads = List.copyOf(payloads);
        this.release = Objects.requireNonNull(release, "release");
        if (this.windows.size() != this.payloads.size()) {
            throw new IllegalArgumentException(windows.size() + " windows but " + payloads.size() + " payloads");
        }
    }

    public VideoSource source() {
        return source;
    }

    public List<VideoWindow> windows() {
        return windows;
    }

    /** One payload per window, in window order. */
    public List<VideoPayload> payloads() {
        return payloads;
    }

    /** The bytes of all windows' frames (see the constructors). */
    public long frameBytes() {
        return frameBytes;
    }

    private static long javaBytes(List<VideoPayload> payloads) {
        long bytes = 0;
        for (VideoPayload p : payloads) {
            if (p instanceof VideoPayload.Frames f) {
                bytes += f.data().remaining();
            }
        }
        return bytes;
    }

    /** Releases the frames; idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
