package dev.qwenvl.video;

import dev.qwenvl.engine.VideoPayload;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A video's windows, decoded and preprocessed, ready for the engine: one payload per window, in
 * window order. The frames live on the Python side until {@link #close()} releases them.
 */
public final class PreparedVideo implements AutoCloseable {
    private final VideoSource source;
    private final List<VideoWindow> windows;
    private final List<VideoPayload> payloads;
    private final List<Map<String, Object>> processorKwargs;
    private final List<Integer> videoTokens;
    private final Runnable release;
    private boolean closed;

    /** Windows without processor arguments and of unknown token cost (0). */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads, Runnable release) {
        this(source, windows, payloads, Collections.nCopies(windows.size(), Map.of()),
                Collections.nCopies(windows.size(), 0), release);
    }

    /**
     * @param processorKwargs per window, the processor arguments its request must carry (empty
     *     when none)
     * @param videoTokens per window, the tokens its frames cost in the prompt
     */
    public PreparedVideo(VideoSource source, List<VideoWindow> windows, List<VideoPayload> payloads,
            List<Map<String, Object>> processorKwargs, List<Integer> videoTokens, Runnable release) {
        this.source = Objects.requireNonNull(source, "source");
        this.windows = List.copyOf(windows);
        this.payloads = List.copyOf(payloads);
        this.processorKwargs = processorKwargs.stream().map(Map::copyOf).toList();
        this.videoTokens = List.copyOf(videoTokens);
        this.release = Objects.requireNonNull(release, "release");
        if (this.windows.size() != this.payloads.size() || this.windows.size() != this.processorKwargs.size()
                || this.windows.size() != this.videoTokens.size()) {
            throw new IllegalArgumentException(windows.size() + " windows but " + payloads.size() + " payloads, "
                    + processorKwargs.size() + " processor argument maps and " + videoTokens.size() + " token counts");
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

    /** Per window, in window order, the processor arguments its engine request must carry. */
    public List<Map<String, Object>> processorKwargs() {
        return processorKwargs;
    }

    /** Per window, in window order, the tokens its frames cost in the prompt (0 when unknown). */
    public List<Integer> videoTokens() {
        return videoTokens;
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
