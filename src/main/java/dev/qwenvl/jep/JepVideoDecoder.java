package dev.qwenvl.jep;

import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.engine.VideoPayload;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VideoDecoder} over {@code qwenvl_bridge.inputs} in the embedded interpreter (through
 * {@link PythonBridge}): PyAV decodes and resizes, and the frames stay in Python, referenced by
 * handles. Java frames cross as a {@link jep.DirectNDArray} over their direct buffer (no copy).
 * One interpreter call per video. An unusable input throws
 * {@link dev.qwenvl.video.VideoInputException} with its reason.
 */
public final class JepVideoDecoder implements VideoDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(JepVideoDecoder.class);

    private final PythonBridge bridge;

    public JepVideoDecoder(PythonRuntime runtime) {
        this.bridge = new PythonBridge(runtime);
    }

    @Override
    public VideoInfo probe(VideoSource source) {
        if (source instanceof VideoSource.JavaFrames f) {
            int[] s = f.shape();
            return new VideoInfo(s[0], f.fps(), s[2], s[1], 0);
        }
        return bridge.probe(source);
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no windows to prepare for " + source.displayName());
        }
        List<List<Integer>> indices = new ArrayList<>(windows.size());
        for (VideoWindow w : windows) {
            indices.add(w.sampledFrameIndices());
        }
        PythonBridge.PreparedWindows prepared = bridge.prepare(source, indices, modelPreprocesses, family);
        List<VideoPayload> payloads = new ArrayList<>(prepared.handles().size());
        for (long h : prepared.handles()) {
            payloads.add(new PythonFrames(h));
        }
        LOG.debug("prepared {} window(s) of {} as {} {}, {} video tokens", payloads.size(), source.displayName(),
                prepared.dtype(), prepared.shapes(), prepared.videoTokens());
        List<Long> handles = prepared.handles();
        return new PreparedVideo(source, windows, payloads, prepared.pixelBounds(), prepared.videoTokens(),
                () -> release(handles), prepared.frameBytes());
    }

    private void release(List<Long> handleIds) {
        try {
            if (!bridge.runtime().isClosed()) {
                bridge.release(handleIds);
            }
        } catch (RuntimeException e) {
            LOG.warn("Releasing {} prepared window(s) failed: {}", handleIds.size(), e.getMessage());
        }
    }

    /** How many prepared windows the Python side holds (for leak checks). */
    public int held() {
        return bridge.held();
    }
}
