package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineUnavailableException;
import dev.qwenvl.engine.PixelBounds;
import dev.qwenvl.engine.UnsafeStartMethodException;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.model.WeightsSnapshot;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import jep.DirectNDArray;

/**
 * The typed Java-Python boundary of the library. With {@link EngineBridge} (the engine and its
 * request stream) it owns every Python module and function name Java calls, encodes Java values as
 * the Python half takes them, decodes every answer by name (the Python half answers with dicts,
 * never lists read by position) into a Java value or record (callers cast nothing), and turns
 * Python failures into typed exceptions in one place ({@link BridgeFailures#typed}).
 *
 * <p>Errors: the Python half raises every failure Java must tell apart as a {@code BridgeError}
 * ({@code qwenvl_bridge.errors}) with a domain and a reason; the runtime hands it over as a
 * {@link PythonException} carrying both, and {@link BridgeFailures#typed} maps them:
 * <ul>
 *   <li>{@code video}: {@link VideoInputException} with the reason of the same name;</li>
 *   <li>{@code download}: {@link WeightsDownloadException} with the reason of the same name;</li>
 *   <li>{@code engine}: {@link EngineUnavailableException} ({@code ENGINE_UNAVAILABLE}),
 *       {@link UnsafeStartMethodException} ({@code UNSAFE_START_METHOD}) or
 *       {@link EngineDiedException} ({@code ENGINE_DIED}, with the dead process, pid, exit code
 *       and signal when the engine watch saw it), {@link EngineException} ({@code ABORTED},
 *       {@code REQUEST_FAILED}: failures of single stream requests).</li>
 * </ul>
 * A stream request's failure does not raise: it arrives as a value with the same fields
 * ({@code errors.failure}) and is mapped by the same code ({@link EngineBridge}).
 * Any other Python exception (a bug, no memory) stays a {@link PythonException} with the Python
 * type, message and traceback.
 *
 * <p>Thread-safe: every call goes through the runtime's one interpreter thread.
 */
final class PythonBridge {
    // --- names the runtime itself uses (the Python half's entry point and standard streams) ---

    /** The name {@code qwenvl_bridge.bridge} is imported as when the interpreter starts. */
    static final String ENTRY_ALIAS = "_qwenvl_bridge";
    /** {@code bridge.call(module, function, args, kwargs)}: every call from Java. */
    static final String ENTRY_CALL = ENTRY_ALIAS + ".call";
    /** {@code bridge.take_last_error()}: the details of the last failed call. */
    static final String ENTRY_TAKE_LAST_ERROR = ENTRY_ALIAS + ".take_last_error";
    /** {@code bridge.install_logging(sink, level)}: Python logging to SLF4J. */
    static final String ENTRY_INSTALL_LOGGING = ENTRY_ALIAS + ".install_logging";
    /** The name {@code qwenvl_bridge.stdio} is imported as (see {@link PythonStdio}). */
    static final String STDIO_ALIAS = "_qwenvl_stdio";
    /** The one statement that imports it: a constant, never assembled from data. */
    static final String STDIO_IMPORT = "import qwenvl_bridge.stdio as _qwenvl_stdio";

    // --- modules called through the runtime ---

    /** Video inputs: probe, prepare (also on decode lanes: start, finished, cancel), frame bytes, release, held. */
    static final String INPUTS = "qwenvl_bridge.inputs";
    /** Weights download. */
    static final String DOWNLOAD = "qwenvl_bridge.download";
    /** Prompt token counts before the model loads. */
    static final String TOKENS = "qwenvl_bridge.tokens";
    /** vLLM engines (called by {@link EngineBridge}). */
    static final String ENGINE = "qwenvl_bridge.engine";
    /** The request stream of an engine (called by {@link EngineBridge}). */
    static final String STREAM = "qwenvl_bridge.stream";
    /** Thumbnails of windows for the review page. */
    static final String THUMBNAILS = "qwenvl_bridge.thumbnails";
    /** Synthetic clips for the machine benchmark. */
    static final String BENCHMARK = "qwenvl_bridge.benchmark";
    /** Frames held in Python, read back into Java's memory. */
    static final String FRAMES_OUT = "qwenvl_bridge.frames_out";
    /** Every error reason the Python half can raise. */
    static final String REASONS = "qwenvl_bridge.reasons";

    private final PythonRuntime runtime;

    PythonBridge(PythonRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    PythonRuntime runtime() {
        return runtime;
    }

    // --- video inputs ---

    /**
     * Windows decoded in Python: one handle per window, with what each costs and needs
     * ({@code pixelBounds}: per window, the bounds for the model's processor, {@code null} when the
     * frames are already sized).
     */
    record PreparedWindows(List<Long> handles, List<List<Long>> shapes, String dtype, List<Integer> videoTokens,
                           List<PixelBounds> pixelBounds) {
        PreparedWindows {
            handles = List.copyOf(handles);
            shapes = List.copyOf(shapes);
            videoTokens = List.copyOf(videoTokens);
            pixelBounds = java.util.Collections.unmodifiableList(new ArrayList<>(pixelBounds));
        }

        /** Bytes of the prepared frames, from their shapes and dtype. */
        long frameBytes() {
            long perElement = "float32".equals(dtype) ? 4 : 1;
            long total = 0;
            for (List<Long> shape : shapes) {
                long elements = perElement;
                for (long d : shape) {
                    elements *= d;
                }
                total += elements;
            }
            return total;
        }
    }

    /**
     * Frame count, average rate and upright size of a video file or in-memory video.
     *
     * @throws VideoInputException when the input cannot be used
     */
    VideoInfo probe(VideoSource source) {
        return videoInfo((Map<?, ?>) call(INPUTS, "probe", kind(source), pythonSource(source), source.displayName()));
    }

    /** {@link #probe} on a decode lane (a Python thread of its own): a ticket for {@link #probed}. */
    long startProbe(VideoSource source) {
        return number(call(INPUTS, "start_probe", kind(source), pythonSource(source), source.displayName()), "ticket")
                .longValue();
    }

    /**
     * The probe of {@code ticket} once its lane ended, empty while it runs.
     *
     * @throws VideoInputException when the input cannot be used
     */
    Optional<VideoInfo> probed(long ticket) {
        Object answer = call(INPUTS, "finished", ticket);
        return answer == null ? Optional.empty() : Optional.of(videoInfo((Map<?, ?>) answer));
    }

    /**
     * {@link #prepare} on a decode lane with {@code codecThreads} FFmpeg threads (0: FFmpeg's
     * choice): a ticket for {@link #prepared}. Not for Java frames (they are selected by
     * {@link #prepare}, without a copy of Java's buffer).
     */
    long startPrepare(VideoSource source, List<List<Integer>> windows, boolean modelPreprocesses, String family,
                      int codecThreads) {
        return number(call(INPUTS, "start_prepare", kind(source), pythonSource(source), source.displayName(), windows,
                modelPreprocesses, family, codecThreads), "ticket").longValue();
    }

    /**
     * The windows of {@code ticket} once its lane ended, empty while it runs.
     *
     * @throws VideoInputException when the input cannot be used
     */
    Optional<PreparedWindows> prepared(long ticket) {
        Object answer = call(INPUTS, "finished", ticket);
        return answer == null ? Optional.empty() : Optional.of(preparedWindows((Map<?, ?>) answer));
    }

    /** Stops the lane of {@code ticket} at its next frame; what it prepared is released. */
    void cancel(long ticket) {
        call(INPUTS, "cancel", ticket);
    }

    /**
     * The bytes {@link #prepare} will hold for windows of {@code counts} sampled frames of a video
     * whose upright frames are {@code height} x {@code width} (exact: the frame budget counts them
     * before the decode starts).
     */
    long frameBytes(int height, int width, List<Integer> counts, boolean modelPreprocesses, String family) {
        return number(call(INPUTS, "frame_bytes", height, width, List.copyOf(counts), modelPreprocesses, family),
                "frame_bytes").longValue();
    }

    private static VideoInfo videoInfo(Map<?, ?> answer) {
        return new VideoInfo(integer(answer, "frame_count"), number(answer, "fps").doubleValue(), integer(answer, "width"),
                integer(answer, "height"), integer(answer, "rotation"));
    }

    /**
     * Decodes (or selects) each window's frames and keeps them in Python.
     *
     * @param windows per window, the source frame indices to keep
     * @throws VideoInputException when the input cannot be used
     */
    PreparedWindows prepare(VideoSource source, List<List<Integer>> windows, boolean modelPreprocesses, String family) {
        return preparedWindows((Map<?, ?>) call(INPUTS, "prepare", kind(source), pythonSource(source),
                source.displayName(), windows, modelPreprocesses, family));
    }

    private static PreparedWindows preparedWindows(Map<?, ?> answer) {
        List<Long> handles = longs(answer.get("handles"));
        List<List<Long>> shapes = new ArrayList<>();
        for (Object shape : list(answer.get("shapes"))) {
            shapes.add(longs(shape));
        }
        List<Integer> tokens = longs(answer.get("video_tokens")).stream().map(Long::intValue).toList();
        List<PixelBounds> kwargs = new ArrayList<>();
        for (Object k : list(answer.get("processor_kwargs"))) {
            Map<String, Object> copy = new LinkedHashMap<>();
            ((Map<?, ?>) k).forEach((key, value) -> copy.put(String.valueOf(key), value));
            kwargs.add(PixelBounds.fromProcessorKwargs(copy));
        }
        if (shapes.size() != handles.size() || tokens.size() != handles.size() || kwargs.size() != handles.size()) {
            throw new IllegalStateException("inputs.prepare answered " + handles.size() + " handles but " + shapes.size()
                    + " shapes, " + tokens.size() + " token counts and " + kwargs.size() + " argument maps");
        }
        return new PreparedWindows(handles, shapes, String.valueOf(answer.get("dtype")), tokens, kwargs);
    }

    /** Drops prepared windows; returns how many were dropped. */
    int release(List<Long> handles) {
        return number(call(INPUTS, "release", List.copyOf(handles)), "release").intValue();
    }

    /** How many prepared windows Python holds (for leak checks). */
    int held() {
        return number(call(INPUTS, "held"), "held").intValue();
    }

    /**
     * Per window, up to {@code perWindow} JPEG thumbnails (longer side at most {@code maxSide}) of
     * the given source frames; they cross as base64 text.
     *
     * @throws VideoInputException when the input cannot be used
     */
    List<List<byte[]>> thumbnails(VideoSource source, List<List<Integer>> windows, int perWindow, int maxSide) {
        List<?> answer = list(call(THUMBNAILS, "window_thumbnails", kind(source), pythonSource(source),
                source.displayName(), windows, perWindow, maxSide));
        java.util.Base64.Decoder base64 = java.util.Base64.getDecoder();
        List<List<byte[]>> out = new ArrayList<>(answer.size());
        for (Object window : answer) {
            List<byte[]> pictures = new ArrayList<>();
            for (Object b : list(window)) {
                pictures.add(base64.decode(String.valueOf(b)));
            }
            out.add(List.copyOf(pictures));
        }
        if (out.size() != windows.size()) {
            throw new IllegalStateException("thumbnails.window_thumbnails answered " + out.size() + " windows for "
                    + windows.size());
        }
        return List.copyOf(out);
    }

    private static String kind(VideoSource source) {
        if (source instanceof VideoSource.VideoFile) {
            return "path";
        }
        return source instanceof VideoSource.VideoBytes ? "bytes" : "frames";
    }

    /** The source as Python takes it: a path string, or a uint8 array over a direct buffer (no copy of Java's frames). */
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

    // --- weights and tokens ---

    /**
     * Puts {@code modelId} at {@code revision} into {@code modelDir/modelId}.
     *
     * @param token    a hub token, or null
     * @param endpoint a hub endpoint, or null
     * @param progress called with (done, total) bytes on the interpreter thread; a public class, so JEP can call it
     * @throws WeightsDownloadException when the download fails
     */
    WeightsSnapshot download(String modelId, String revision, Path modelDir, String token, String endpoint,
                             JepWeightsDownloader.ProgressSink progress) {
        Map<?, ?> s = (Map<?, ?>) call(DOWNLOAD, "download_for_java", modelId, revision,
                modelDir.toAbsolutePath().toString(), token, endpoint, progress);
        return new WeightsSnapshot(Path.of(String.valueOf(s.get("path"))), String.valueOf(s.get("model_id")),
                String.valueOf(s.get("revision")), String.valueOf(s.get("commit")), number(s, "files").longValue(),
                number(s, "bytes").longValue(), Boolean.TRUE.equals(s.get("skipped")));
    }

    /** Token counts of {@code texts} with the tokenizer in {@code weightsDir}; empty when it cannot count. */
    Optional<List<Integer>> countTokens(Path weightsDir, List<String> texts) {
        Object answer = call(TOKENS, "count", weightsDir.toAbsolutePath().toString(), List.copyOf(texts));
        if (answer == null) {
            return Optional.empty();
        }
        return Optional.of(longs(answer).stream().map(Long::intValue).toList());
    }

    /** Shape and element type of frames held in Python under a handle. */
    record HeldFrames(int[] shape, String dtype) {
    }

    /** What the frames held under {@code handle} are ({@code frames_out.describe}). */
    HeldFrames describeFrames(long handle) {
        Map<?, ?> answer = (Map<?, ?>) runtime.call(FRAMES_OUT, "describe", handle);
        int[] shape = longs(answer.get("shape")).stream().mapToInt(Long::intValue).toArray();
        return new HeldFrames(shape, String.valueOf(answer.get("dtype")));
    }

    /** Copies the frames held under {@code handle} into {@code target}, an ndarray over Java's buffer. */
    void copyFramesInto(long handle, Object target) {
        runtime.call(FRAMES_OUT, "copy_into", handle, target);
    }

    /** Writes {@code count} synthetic clips of {@code seconds} into {@code dir}; returns their paths. */
    List<Path> writeBenchmarkClips(Path dir, int count, double seconds) {
        return list(call(BENCHMARK, "write_clips", dir.toString(), count, seconds)).stream()
                .map(p -> Path.of(String.valueOf(p))).toList();
    }

    // --- errors ---

    /** One reason the Python half can raise, in its domain. */
    record Reason(String domain, String name) {
    }

    /** Every reason the Python half can raise ({@code reasons.all_reasons()}). */
    List<Reason> reasons() {
        List<Reason> out = new ArrayList<>();
        for (Object pair : list(call(REASONS, "all_reasons"))) {
            Map<?, ?> p = (Map<?, ?>) pair;
            out.add(new Reason(String.valueOf(p.get("domain")), String.valueOf(p.get("reason"))));
        }
        return out;
    }

    /** {@code module.function(*args)} with Python failures mapped by {@link BridgeFailures#typed}. */
    Object call(String module, String function, Object... args) {
        try {
            return runtime.call(module, function, args);
        } catch (PythonException e) {
            throw BridgeFailures.typed(e);
        }
    }

    // --- decoding answers ---

    static List<?> list(Object answer) {
        if (!(answer instanceof List<?> l)) {
            throw new IllegalStateException("the Python half answered " + answer + " where a list was expected");
        }
        return l;
    }

    static List<Long> longs(Object answer) {
        List<Long> out = new ArrayList<>();
        for (Object o : list(answer)) {
            out.add(number(o, "list element").longValue());
        }
        return out;
    }

    static Number number(Object answer, String what) {
        if (!(answer instanceof Number n)) {
            throw new IllegalStateException("the Python half answered " + answer + " for " + what + " where a number was expected");
        }
        return n;
    }

    static Number number(Map<?, ?> answer, String key) {
        Object v = answer.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException("the Python half's answer lacks the number " + key + ": " + answer);
        }
        return n;
    }

    private static int integer(Map<?, ?> answer, String key) {
        return number(answer, key).intValue();
    }
}
