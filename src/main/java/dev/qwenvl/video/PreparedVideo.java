package dev.qwenvl.video;

import dev.qwenvl.engine.PixelBounds;
import dev.qwenvl.engine.VideoPayload;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A video's windows, decoded and preprocessed, ready for the engine: one payload per window, in
 * window order. The frames live on the Python side until {@link #close()} releases them.
 */
public final class PreparedVideo implements AutoCloseable {
    private final VideoSource source;
    private final List<VideoWindow> windows;
    private final List<VideoPayload> payloads;
    private final List<PixelBounds> pixelBounds;
    private final List<Integer> videoTokens;
    private final Runnable release;
    private final long frameBytes;
    private boolean closed;

    /** Windows without pixel bounds and of unknown token cost (0). */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads, Runnable release) {
        this(source, windows, payloads, Collections.nCopies(windows.size(), null),
                Collections.nCopies(windows.size(), 0), release);
    }

    /**
     * Frames held by Java count their buffers' bytes; frames held by Python count nothing.
     *
     * @param pixelBounds per window, the pixel bounds its request must carry to the model's
     *     processor ({@code null} elements: none, the frames are already sized)
     * @param videoTokens per window, the tokens its frames cost in the prompt
     */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads,
            List<PixelBounds> pixelBounds, List<Integer> videoTokens, Runnable release) {
        this(source, windows, payloads, pixelBounds, videoTokens, release, javaBytes(payloads));
    }

    /**
     * @param frameBytes the bytes of all windows' frames, wherever they are held (the streaming
     *                   captioner's memory budget counts them)
     */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads,
            List<PixelBounds> pixelBounds, List<Integer> videoTokens, Runnable release, long frameBytes) {
        this.frameBytes = frameBytes;
        this.source = Objects.requireNonNull(source, "source");
        this.windows = List.copyOf(windows);
        this.payloads = List.copyOf(payloads);
        this.pixelBounds = Collections.unmodifiableList(new ArrayList<>(pixelBounds));
        this.videoTokens = List.copyOf(videoTokens);
        this.release = Objects.requireNonNull(release, "release");
        if (this.windows.size() != this.payloads.size() || this.windows.size() != this.pixelBounds.size()
                || this.windows.size() != this.videoTokens.size()) {
            throw new IllegalArgumentException(windows.size() + " windows but " + payloads.size() + " payloads, "
                    + pixelBounds.size() + " pixel bounds and " + videoTokens.size() + " token counts");
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

    /**
     * The pixel bounds window {@code window}'s engine request must carry to the model's processor;
     * empty when the frames are already sized for the model.
     */
    public Optional<PixelBounds> pixelBounds(int window) {
        return Optional.ofNullable(pixelBounds.get(window));
    }

    /** Per window, in window order, the tokens its frames cost in the prompt (0 when unknown). */
    public List<Integer> videoTokens() {
        return videoTokens;
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
