package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.video.VideoSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What happened to one video so far: its window captions and its error. Thread-safe. */
final class VideoOutcome {
    private final VideoSource source;
    private final List<WindowCaption> captions = new ArrayList<>();
    private QwenVlException error;
    private int failedWindows;

    VideoOutcome(VideoSource source) {
        this.source = source;
    }

    VideoSource source() {
        return source;
    }

    synchronized void add(WindowCaption caption) {
        captions.add(caption);
    }

    /** The video failed as a whole (it could not be read or prepared). */
    synchronized void fail(QwenVlException e) {
        // the engine's death wins: it tells the caller that windows were lost to it
        if (error == null || e instanceof EngineDiedException && !(error instanceof EngineDiedException)) {
            error = e;
        }
    }

    /** One of its windows failed. */
    synchronized void failWindow(QwenVlException e) {
        failedWindows++;
        fail(e);
    }

    synchronized int failedWindows() {
        return failedWindows;
    }

    /** The result so far, captions in window order. */
    synchronized VideoCaptions result() {
        List<WindowCaption> ordered = new ArrayList<>(captions);
        ordered.sort(Comparator.comparingInt(c -> c.window().windowIndex()));
        return new VideoCaptions(source, ordered, error);
    }
}
