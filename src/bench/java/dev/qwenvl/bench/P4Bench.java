package dev.qwenvl.bench;

import dev.qwenvl.jep.PythonFrames;
import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * P4: end to end through the real vLLM CPU build and the tiny generated Qwen2.5-VL. Java's
 * {@code QwenVL.generate} against a pure-Python loop calling the same {@code vllm.LLM} object
 * with the same inputs, in one process.
 *
 * <p>One embedded runtime (the end-to-end tier's: no stand-ins, {@code VLLM_CPU_KVCACHE_SPACE=1}),
 * one engine started through {@link QwenVL} with {@link JepLlmEngine#factory} (the end-to-end
 * tier's settings: fp8 off, {@code enforce_eager}, at most 16 output tokens, sampling seed 0).
 * The windows are prepared once, the way {@code VideoCaptioner} prepares them: {@code videos}
 * Java-frame videos of 1024 random 64x96 frames at 30 fps, planned with the default windowing (4
 * windows of 16 sampled frames each) and prepared by {@link JepVideoDecoder} with the default
 * setting (our pipeline resizes and normalises to float32; the arrays stay in Python behind
 * handles). Both sides get exactly those arrays, the same prompt, the same {@code {fps}}
 * processor arguments and the same sampling arguments, in chunks of 16.
 *
 * <p>Each round captions every window once: (a) Java, {@code model.generate(requests, false, 16)}
 * timed with {@code System.nanoTime}; (b) Python, {@code python/bench/p4_python_loop.py}'s
 * {@code run}, timed with {@code time.perf_counter} inside Python. After {@code warmup} rounds of
 * each, {@code rounds} measured rounds alternate the order (J P, P J, ...), so drift and the
 * machine's other load fall on both sides alike. Figures: medians of captions per second (each
 * round scored as windows / seconds). The
 * captions of both sides are compared (same seed, same inputs: they should be identical).
 *
 * <p>Run in its own JVM by {@link BenchSuite}; prints {@code key=value} lines.
 */
public final class P4Bench {
    static final int BATCH = 16;
    static final int FRAMES_PER_VIDEO = 1024;
    static final int HEIGHT = 64;
    static final int WIDTH = 96;
    static final double SOURCE_FPS = 30.0;

    private P4Bench() {}

    public static void main(String[] args) throws Exception {
        int videos = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        long t0 = System.nanoTime();
        PythonRuntimeConfig runtimeConfig = PythonRuntimeConfig.builder().python(BenchEnv.python())
                .addPath(BenchEnv.benchPython())
                .environment("VLLM_CPU_KVCACHE_SPACE", "1")
                .build();
        try (PythonRuntime runtime = PythonRuntime.start(runtimeConfig)) {
            Map<?, ?> versions = (Map<?, ?>) runtime.call("p4_python_loop", "versions");
            QwenVlConfig config = QwenVlConfig.builder().modelDir(BenchEnv.e2eModelDir()).modelVariant("qwen")
                    .captionBatchSize(BATCH).fp8(false).maxOutputTokens(16).extraEngineArg("enforce_eager", true)
                    .samplingSeed(0).build();
            JepVideoDecoder decoder = new JepVideoDecoder(runtime);
            List<PreparedVideo> prepared = new ArrayList<>();
            try (QwenVL model = new QwenVL(config, JepLlmEngine.factory(runtime))) {
                long s = System.nanoTime();
                model.setup();
                double engineStart = (System.nanoTime() - s) / 1e9;
                long engineId = ((Number) runtime.call("p4_python_loop", "only_engine_id")).longValue();

                s = System.nanoTime();
                String prompt = new QwenPromptFormatter().format("Describe this video.");
                List<EngineRequest> requests = new ArrayList<>();
                List<Long> handleIds = new ArrayList<>();
                List<Map<String, Object>> processorKwargs = new ArrayList<>();
                String shape = "";
                for (int v = 0; v < videos; v++) {
                    VideoSource source = new VideoSource.JavaFrames(noise(v), new int[] {FRAMES_PER_VIDEO, HEIGHT, WIDTH, 3},
                            SOURCE_FPS, "p4-video-" + v);
                    VideoInfo info = decoder.probe(source);
                    List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(),
                            WindowingConfig.defaults());
                    PreparedVideo video = decoder.prepare(source, windows, config.modelDoesPreprocess());
                    prepared.add(video);
                    for (int w = 0; w < windows.size(); w++) {
                        VideoPayload payload = video.payloads().get(w);
                        Map<String, Object> kwargs = Map.of("fps", windows.get(w).sampledFps());
                        requests.add(new EngineRequest(prompt, payload).withFps(windows.get(w).sampledFps()));
                        handleIds.add(((PythonFrames) payload).id());
                        processorKwargs.add(kwargs);
                        shape = windows.get(w).sampledFrameIndices().size() + " frames";
                    }
                }
                double prepareSeconds = (System.nanoTime() - s) / 1e9;
                List<String> prompts = requests.stream().map(r -> ((ChatPrompt.Templated) r.prompt()).text()).toList();
                runtime.call("p4_python_loop", "setup", engineId, prompts, handleIds, processorKwargs,
                        model.samplingParams().toKwargs(), BATCH);
                String arrayShape = String.valueOf(runtime.call("p4_python_loop", "describe_inputs"));

                int n = requests.size();
                List<String> javaCaptions = null;
                List<String> pythonCaptions = null;
                List<Double> javaWarmup = new ArrayList<>();
                List<Double> pythonWarmup = new ArrayList<>();
                for (int w = 0; w < warmup; w++) {
                    javaCaptions = timeJava(model, requests, javaWarmup);
                    pythonCaptions = timePython(runtime, pythonWarmup);
                }
                List<Double> javaRates = new ArrayList<>();
                List<Double> pythonRates = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    if (r % 2 == 0) {
                        javaCaptions = timeJava(model, requests, javaRates);
                        pythonCaptions = timePython(runtime, pythonRates);
                    } else {
                        pythonCaptions = timePython(runtime, pythonRates);
                        javaCaptions = timeJava(model, requests, javaRates);
                    }
                }
                runtime.call("p4_python_loop", "clear");
                int same = 0;
                for (int i = 0; i < n; i++) {
                    if (javaCaptions.get(i).equals(pythonCaptions.get(i))) {
                        same++;
                    }
                }
                double java = BenchEnv.median(javaRates);
                double python = BenchEnv.median(pythonRates);
                System.out.println("vllm=" + versions.get("vllm"));
                System.out.println("torch=" + versions.get("torch"));
                System.out.println("windows=" + n);
                System.out.println("videos=" + videos);
                System.out.println("window_frames=" + shape);
                System.out.println("inputs=" + arrayShape);
                System.out.println("engine_start_s=" + fmt(engineStart));
                System.out.println("prepare_s=" + fmt(prepareSeconds));
                System.out.println("warmup_rounds=" + warmup);
                System.out.println("rounds=" + rounds);
                System.out.println("java_captions_per_s=" + fmt(java));
                System.out.println("python_captions_per_s=" + fmt(python));
                System.out.println("ratio=" + String.format(Locale.ROOT, "%.4f", java / python));
                System.out.println("java_warmup_rounds=" + rates(javaWarmup));
                System.out.println("python_warmup_rounds=" + rates(pythonWarmup));
                System.out.println("java_min_max=" + fmt(javaRates.stream().mapToDouble(d -> d).min().orElse(0)) + "-"
                        + fmt(javaRates.stream().mapToDouble(d -> d).max().orElse(0)));
                System.out.println("python_min_max=" + fmt(pythonRates.stream().mapToDouble(d -> d).min().orElse(0)) + "-"
                        + fmt(pythonRates.stream().mapToDouble(d -> d).max().orElse(0)));
                System.out.println("java_rounds=" + rates(javaRates));
                System.out.println("python_rounds=" + rates(pythonRates));
                System.out.println("same_captions=" + same + "/" + n);
                System.out.println("caption_example=" + javaCaptions.get(0).replace('\n', ' '));
            } finally {
                prepared.forEach(PreparedVideo::close);
            }
            System.out.println("total_s=" + fmt((System.nanoTime() - t0) / 1e9));
        }
    }

    /** One round of Java: returns the captions, adds captions/s to {@code rates} when given. */
    private static List<String> timeJava(QwenVL model, List<EngineRequest> requests, List<Double> rates) {
        long start = System.nanoTime();
        List<String> captions = model.generate(requests, false, BATCH);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (rates != null) {
            rates.add(captions.size() / seconds);
        }
        return captions;
    }

    /** One round of the pure-Python loop, timed inside Python. */
    private static List<String> timePython(PythonRuntime runtime, List<Double> rates) {
        List<?> answer = (List<?>) runtime.call("p4_python_loop", "run");
        double seconds = ((Number) answer.get(0)).doubleValue();
        List<String> captions = new ArrayList<>();
        for (Object c : (List<?>) answer.get(1)) {
            captions.add((String) c);
        }
        if (rates != null) {
            rates.add(captions.size() / seconds);
        }
        return captions;
    }

    /** {@link #FRAMES_PER_VIDEO} random RGB frames, different for every video. */
    private static ByteBuffer noise(int video) {
        byte[] bytes = new byte[FRAMES_PER_VIDEO * HEIGHT * WIDTH * 3];
        new SplittableRandom(1000 + video).nextBytes(bytes);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static String rates(List<Double> rates) {
        return rates.stream().map(P4Bench::fmt).toList().toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
