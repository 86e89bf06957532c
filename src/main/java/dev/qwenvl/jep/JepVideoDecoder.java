package dev.qwenvl.jep;

import dev.qwenvl.video.DecodeCancelledException;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.engine.VideoPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VideoDecoder} over {@code qwenvl_bridge.inputs} in the embedded interpreter (through
 * {@link PythonBridge}): PyAV decodes and resizes, and the frames stay in Python, referenced by
 * handles. An unusable input throws {@link dev.qwenvl.video.VideoInputException} with its reason.
 *
 * <p>Decode lanes: a file or in-memory video is probed and prepared on a Python thread of its own
 * ({@code qwenvl_bridge.lanes}), started by one short interpreter call and polled by the calling
 * thread ({@link #POLL_MIN_MILLIS} to {@link #POLL_MAX_MILLIS} apart) until it ends: the one
 * interpreter thread is never held by a decode, so several Java threads decode several videos at
 * once, FFmpeg running without the GIL. The wait is bounded by the decode itself, the runtime's
 * life (a closed runtime fails the next poll) and the lane's cancel check (the Python decode
 * stops at its next frame and its frames are released). Java frames cross as a
 * {@link jep.DirectNDArray} over their direct buffer (no copy) and are selected in one
 * interpreter call, on the interpreter thread: a view of Java's memory never reaches another
 * Python thread.
 */
public final class JepVideoDecoder implements VideoDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(JepVideoDecoder.class);

    /** First pause between two looks at a running lane. */
    static final long POLL_MIN_MILLIS = 1;
    /** Longest pause between two looks at a running lane (the pause doubles up to it). */
    static final long POLL_MAX_MILLIS = 16;

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
        long ticket = bridge.startProbe(source);
        return await(ticket, source, () -> false, bridge::probed);
    }

    @Override
    public long frameBytes(VideoInfo info, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        List<Integer> counts = new ArrayList<>(windows.size());
        for (VideoWindow w : windows) {
            counts.add(w.sampledFrameIndices().size());
        }
        return bridge.frameBytes(info.height(), info.width(), counts, modelPreprocesses, family);
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        return prepare(source, windows, family, modelPreprocesses, DecodeLane.DEFAULT);
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses,
                                 DecodeLane lane) {
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("no windows to prepare for " + source.displayName());
        }
        List<List<Integer>> indices = new ArrayList<>(windows.size());
        for (VideoWindow w : windows) {
            indices.add(w.sampledFrameIndices());
        }
        PythonBridge.PreparedWindows prepared;
        if (source instanceof VideoSource.JavaFrames) {
            prepared = bridge.prepare(source, indices, modelPreprocesses, family); // zero copy, on the interpreter thread
        } else {
            long ticket = bridge.startPrepare(source, indices, modelPreprocesses, family, lane.codecThreads());
            prepared = await(ticket, source, lane.cancelled(), bridge::prepared);
        }
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

    /**
     * Polls the lane of {@code ticket} until it answers; cancels it (and throws
     * {@link DecodeCancelledException}) once {@code cancelled} turns true or this thread is
     * interrupted (the interrupt is kept).
     */
    private <T> T await(long ticket, VideoSource source, BooleanSupplier cancelled, LongFunction<Optional<T>> poll) {
        long pause = POLL_MIN_MILLIS;
        while (true) {
            // raises the lane's own error (typed; the ticket is gone then) or a closed runtime's
            Optional<T> answer = poll.apply(ticket);
            if (answer.isPresent()) {
                return answer.get();
            }
            boolean interrupted = false;
            if (!cancelled.getAsBoolean()) {
                try {
                    Thread.sleep(pause);
                    pause = Math.min(POLL_MAX_MILLIS, pause * 2);
                    continue;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            cancel(ticket);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new DecodeCancelledException(source.displayName());
        }
    }

    private void cancel(long ticket) {
        try {
            if (!bridge.runtime().isClosed()) {
                bridge.cancel(ticket);
            }
        } catch (RuntimeException e) {
            LOG.warn("Cancelling decode lane {} failed: {}", ticket, e.getMessage());
        }
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
