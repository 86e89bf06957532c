package dev.qwenvl.jep;

import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.PythonRuntime;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jep.DirectNDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VideoDecoder} over {@code qwenvl_bridge.inputs} in the embedded interpreter: PyAV decodes
 * and resizes, and the frames stay in Python, referenced by handles. Java frames cross as a
 * {@link DirectNDArray} over their direct buffer (no copy). One interpreter call per video.
 */
public final class JepVideoDecoder implements VideoDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(JepVideoDecoder.class);
    private static final String MODULE = "qwenvl_bridge.inputs";

    private final PythonRuntime runtime;

    public JepVideoDecoder(PythonRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    @Override
    public VideoInfo probe(VideoSource source) {
        if (source instanceof VideoSource.JavaFrames f) {
            int[] s = f.shape();
            return new VideoInfo(s[0], f.fps(), s[2], s[1], 0);
        }
        Map<?, ?> answer = (Map<?, ?>) runtime.call(MODULE, "probe", kind(source), pythonSource(source), source.displayName());
        throwIfError(source, answer);
        return new VideoInfo(number(answer, "frame_count").intValue(), number(answer, "fps").doubleValue(),
                number(answer, "width").intValue(), number(answer, "height").intValue(), number(answer, "rotation").intValue());
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
        Map<?, ?> answer = (Map<?, ?>) runtime.call(MODULE, "prepare", kind(source), pythonSource(source),
                source.displayName(), indices, modelPreprocesses, family);
        throwIfError(source, answer);
        List<?> ids = (List<?>) answer.get("handles");
        List<VideoPayload> payloads = new ArrayList<>(ids.size());
        List<Long> handleIds = new ArrayList<>(ids.size());
        for (Object id : ids) {
            long h = ((Number) id).longValue();
            handleIds.add(h);
            payloads.add(new PythonFrames(h));
        }
        List<Map<String, Object>> kwargs = new ArrayList<>(ids.size());
        for (Object k : (List<?>) answer.get("processor_kwargs")) {
            Map<String, Object> copy = new LinkedHashMap<>();
            ((Map<?, ?>) k).forEach((key, value) -> copy.put(String.valueOf(key), value));
            kwargs.add(copy);
        }
        List<Integer> tokens = new ArrayList<>(ids.size());
        for (Object t : (List<?>) answer.get("video_tokens")) {
            tokens.add(((Number) t).intValue());
        }
        LOG.debug("prepared {} window(s) of {} as {} {}, {} video tokens", ids.size(), source.displayName(),
                answer.get("dtype"), answer.get("shapes"), tokens);
        return new PreparedVideo(source, windows, payloads, kwargs, tokens, () -> release(handleIds), frameBytes(answer));
    }

    /** Bytes of the prepared frames, from the shapes and dtype Python reports. */
    private static long frameBytes(Map<?, ?> answer) {
        long perElement = "float32".equals(String.valueOf(answer.get("dtype"))) ? 4 : 1;
        long total = 0;
        Object shapes = answer.get("shapes");
        if (shapes instanceof List<?> list) {
            for (Object shape : list) {
                long elements = perElement;
                for (Object d : (List<?>) shape) {
                    elements *= ((Number) d).longValue();
                }
                total += elements;
            }
        }
        return total;
    }

    private void release(List<Long> handleIds) {
        try {
            if (!runtime.isClosed()) {
                runtime.call(MODULE, "release", handleIds);
            }
        } catch (RuntimeException e) {
            LOG.warn("Releasing {} prepared window(s) failed: {}", handleIds.size(), e.getMessage());
        }
    }

    /** How many prepared windows the Python side holds (for leak checks). */
    public int held() {
        return ((Number) runtime.call(MODULE, "held")).intValue();
    }

    private static String kind(VideoSource source) {
        if (source instanceof VideoSource.VideoFile) {
            return "path";
        }
        return source instanceof VideoSource.VideoBytes ? "bytes" : "frames";
    }

    private static Object pythonSource(VideoSource source) {
        if (source instanceof VideoSource.VideoFile f) {
            return f.path().toAbsolutePath().toString();
        }
        if (source instanceof VideoSource.VideoBytes b) {
            byte[] data = b.data();
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
            return new DirectNDArray<>(direct, true, data.length);
        }
        VideoSource.JavaFrames f = (VideoSource.JavaFrames) source;
        return new DirectNDArray<>(f.frames().slice(), true, f.shape());
    }

    private static void throwIfError(VideoSource source, Map<?, ?> answer) {
        Object reason = answer.get("error");
        if (reason == null) {
            return;
        }
        VideoInputException.Reason r;
        try {
            r = VideoInputException.Reason.valueOf(String.valueOf(reason));
        } catch (IllegalArgumentException unknown) {
            r = VideoInputException.Reason.CORRUPT_STREAM;
        }
        throw new VideoInputException(source.displayName(), r, String.valueOf(answer.get("detail")));
    }

    private static Number number(Map<?, ?> answer, String key) {
        Object v = answer.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException("probe answer lacks " + key + ": " + answer);
        }
        return n;
    }
}
