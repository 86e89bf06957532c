package dev.qwenvl.jep;

import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.WindowThumbnails;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link WindowThumbnails} over {@code qwenvl_bridge.thumbnails} (through {@link PythonBridge}):
 * the window's sampled frames decoded by PyAV exactly as for captioning, shrunk with swscale and
 * encoded as JPEG by FFmpeg's mjpeg encoder. One interpreter call per video.
 */
public final class JepWindowThumbnails implements WindowThumbnails {
    private final PythonBridge bridge;

    public JepWindowThumbnails(PythonRuntime runtime) {
        this.bridge = new PythonBridge(runtime);
    }

    @Override
    public List<List<byte[]>> thumbnails(VideoSource source, List<VideoWindow> windows, int perWindow, int maxSide) {
        if (perWindow < 1) {
            throw new IllegalArgumentException("perWindow must be at least 1, got " + perWindow);
        }
        if (windows.isEmpty()) {
            return List.of();
        }
        List<List<Integer>> indices = new ArrayList<>(windows.size());
        for (VideoWindow w : windows) {
            indices.add(w.sampledFrameIndices());
        }
        return bridge.thumbnails(source, indices, perWindow, maxSide);
    }
}
