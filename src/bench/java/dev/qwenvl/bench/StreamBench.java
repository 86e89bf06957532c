package dev.qwenvl.bench;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * P6-P8 (issue 14), each in its own JVM: {@code StreamBench p6|p7|p8}; prints {@code key=value}.
 *
 * <ul>
 *   <li>P6 overlap: 24 generated videos, real PyAV decoding and preprocessing, the stand-in vllm
 *       whose engine steps sleep (accelerator time, no CPU). Measures the total decode time
 *       alone, the total engine time alone (prepared inputs, streamed), today's sequential
 *       {@code VideoCaptioner.caption} and {@code VideoCaptioner.stream}.</li>
 *   <li>P7 continuous batching: the real vLLM CPU build and the tiny model, 32 windows chunked
 *       (batch 8, {@code QwenVL.generate}) and streamed ({@code QwenVL.submit}), same inputs,
 *       fixed seed.</li>
 *   <li>P8 coalescing: 16 Java threads each submitting single windows one after another,
 *       through today's {@code generate} (one batch per call) and through the stream.</li>
 * </ul>
 */
public final class StreamBench {
    private StreamBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "p6" -> p6();
            case "p7" -> p7();
            case "p8" -> p8();
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static PythonRuntime standInRuntime(Map<String, String> env) {
        PythonRuntimeConfig.Builder b = PythonRuntimeConfig.builder().python(BenchEnv.python()).addPath(BenchEnv.standIn())
                .addPath(BenchEnv.root().resolve("python/tests"));
        env.forEach(b::environment);
        return PythonRuntime.start(b.build());
    }

    private static QwenVL standInModel(PythonRuntime runtime) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(8).build(), JepLlmEngine.factory(runtime));
        model.setup();
        return model;
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    // ---------------------------------------------------------------------------------------- P6

    private static void p6() throws Exception {
        // 100 ms per request per step, 4 tokens: 0.4 s of "accelerator" per window, batched or not
        // (about what decoding and preprocessing one of these videos costs on 2 cores)
        try (PythonRuntime runtime = standInRuntime(Map.of("QWENVL_STANDIN_STEP_PER_REQUEST_S", "0.1",
                "QWENVL_STANDIN_TOKENS", "4"))) {
            Path dir = BenchEnv.out().resolve("p6-videos");
            Files.createDirectories(dir);
            List<VideoSource> sources = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Path target = dir.resolve("v" + i + ".mp4");
                if (!Files.exists(target)) {
                    runtime.callWithKeywords("videos", "write_video", List.of(target.toString()),
                            Map.of("ext", "mp4", "frames", 300, "fps", 30, "width", 640, "height", 360));
                }
                sources.add(new VideoSource.VideoFile(target));
            }
            CaptionSettings settings = CaptionSettings.defaults(); // the model's caption batch size: 8
            JepVideoDecoder decoder = new JepVideoDecoder(runtime);
            try (QwenVL model = standInModel(runtime)) {
                // warm-up: one video each way (imports, first decode)
                new VideoCaptioner(model, decoder, settings).caption(sources.subList(0, 1));
                // total decode alone (probe, plan, decode, preprocess), frames released at once
                long t0 = System.nanoTime();
                double firstDecode = 0;
                List<EngineRequest> requests = new ArrayList<>();
                List<PreparedVideo> prepared = new ArrayList<>();
                for (VideoSource s : sources) {
                    var info = decoder.probe(s);
                    List<VideoWindow> windows = Windowing.plan(s.displayName(), info.frameCount(), info.fps(),
                            settings.windowing());
                    PreparedVideo v = decoder.prepare(s, windows, model.config().modelVariant().keys().get(0), false);
                    if (firstDecode == 0) {
                        firstDecode = since(t0);
                    }
                    prepared.add(v);
                    for (int w = 0; w < windows.size(); w++) {
                        requests.add(request(new VideoCaptioner(model, decoder, settings).prompt(), v, w));
                    }
                }
                double decode = since(t0);
                // today's sequential path: decode everything, then chunk after chunk
                t0 = System.nanoTime();
                List<VideoCaptions> sequential = new VideoCaptioner(model, decoder, settings).caption(sources);
                double sequentialWall = since(t0);
                // total engine alone: the prepared windows, chunk after chunk as today (no decoding)
                t0 = System.nanoTime();
                for (int i = 0; i < requests.size(); i += 8) {
                    model.generate(requests.subList(i, Math.min(requests.size(), i + 8)), false, 8);
                }
                double engine = since(t0);
                prepared.forEach(PreparedVideo::close);
                // streaming (the first submit starts the stream on this engine)
                List<VideoCaptions> streamed = new ArrayList<>();
                t0 = System.nanoTime();
                new VideoCaptioner(model, decoder, settings).stream(sources, CaptionProgress.NONE, streamed::add);
                double streamWall = since(t0);
                streamed.sort(Comparator.comparingInt(r -> sources.indexOf(r.source())));
                boolean same = captions(sequential).equals(captions(streamed));
                System.out.println("videos=" + sources.size());
                System.out.println("windows=" + requests.size());
                System.out.println("decode_s=" + decode);
                System.out.println("startup_s=" + firstDecode);
                System.out.println("engine_s=" + engine);
                System.out.println("sequential_s=" + sequentialWall);
                System.out.println("stream_s=" + streamWall);
                System.out.println("same_captions=" + same);
                System.out.println("mean_batch=" + model.streamStats().meanBatchSize());
            }
        }
    }

    /** Window {@code w}'s request with its rate and pixel bounds, as VideoCaptioner sends them. */
    private static EngineRequest request(String prompt, PreparedVideo v, int w) {
        return new EngineRequest(prompt, v.payloads().get(w)).withFps(v.windows().get(w).sampledFps())
                .withPixelBounds(v.pixelBounds(w).orElse(null));
    }

    private static List<String> captions(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        for (VideoCaptions r : results) {
            r.captions().forEach(c -> out.add(r.source().displayName() + "#" + c.window().windowIndex() + "="
                    + c.caption()));
            if (!r.succeeded()) {
                out.add(r.source().displayName() + " failed: " + r.error());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------- P8

    private static void p8() throws Exception {
        // 5 ms per step, 4 tokens per request
        try (PythonRuntime runtime = standInRuntime(Map.of("QWENVL_STANDIN_STEP_S", "0.005",
                "QWENVL_STANDIN_TOKENS", "4"))) {
            int threads = 16;
            int each = 25;
            List<EngineRequest> inputs = BridgeWorkload.requests(threads * each);
            try (QwenVL model = standInModel(runtime)) {
                // today: each thread calls generate with its one window; calls run one at a time
                runtime.call("vllm", "reset");
                long t0 = System.nanoTime();
                int[] todayMisrouted = callers(threads, each, inputs, (r) -> CompletableFuture.completedFuture(
                        model.generate(List.of(r), false, 1).get(0)), runtime);
                double today = since(t0);
                List<?> calls = (List<?>) ((Map<?, ?>) runtime.call("vllm", "recorded")).get("generate_calls");
                double todayMean = calls.stream().mapToInt(c -> ((List<?>) ((Map<?, ?>) c).get("inputs")).size())
                        .average().orElse(0);
                t0 = System.nanoTime();
                int[] streamMisrouted = callers(threads, each, inputs, r -> model.submit(r, false), runtime);
                double stream = since(t0);
                StreamStats stats = model.streamStats();
                System.out.println("requests=" + threads * each);
                System.out.println("today_s=" + today);
                System.out.println("today_mean_batch=" + todayMean);
                System.out.println("today_misrouted=" + todayMisrouted[0]);
                System.out.println("stream_s=" + stream);
                System.out.println("stream_mean_batch=" + stats.meanBatchSize());
                System.out.println("stream_misrouted=" + streamMisrouted[0]);
            }
        }
    }

    private interface Caller {
        CompletableFuture<String> caption(EngineRequest r) throws Exception;
    }

    /** Every thread captions its own windows one after another; counts captions that are not its own. */
    private static int[] callers(int threads, int each, List<EngineRequest> inputs, Caller caller, PythonRuntime runtime)
            throws Exception {
        AtomicInteger misrouted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        EngineRequest r = inputs.get(thread * each + i);
                        String caption = caller.caption(r).get(60, TimeUnit.SECONDS);
                        if (!caption.equals(expected(((dev.qwenvl.engine.ChatPrompt.Templated) r.prompt()).text()))) {
                            misrouted.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    misrouted.addAndGet(1000);
                }
            });
            th.start();
            all.add(th);
        }
        go.countDown();
        for (Thread th : all) {
            th.join();
        }
        return new int[] {misrouted.get()};
    }

    private static String expected(String prompt) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        return "caption-" + java.util.HexFormat.of().formatHex(d).substring(0, 8);
    }

    // ---------------------------------------------------------------------------------------- P7

    private static void p7() throws Exception {
        Path model = BenchEnv.e2eModelDir();
        try (PythonRuntime runtime = PythonRuntime.start(PythonRuntimeConfig.builder().python(BenchEnv.python())
                .addPath(BenchEnv.root().resolve("python/tests")).addPath(BenchEnv.benchPython())
                .environment("VLLM_CPU_KVCACHE_SPACE", "1").build())) {
            System.out.println("vllm=" + ((Map<?, ?>) runtime.call("p4_python_loop", "versions")).get("vllm"));
            QwenVlConfig config = QwenVlConfig.builder().modelDir(model).modelVariant("qwen").captionBatchSize(8)
                    .fp8(false).maxOutputTokens(16).extraEngineArg("enforce_eager", true).samplingSeed(0).build();
            try (QwenVL qwen = new QwenVL(config, JepLlmEngine.factory(runtime))) {
                long t0 = System.nanoTime();
                qwen.setup();
                System.out.println("engine_start_s=" + since(t0));
                List<EngineRequest> requests = P4Bench.class.getName().isEmpty() ? List.of() : p7Requests(runtime, qwen);
                qwen.generate(requests.subList(0, 8), false, 8); // warm-up
                t0 = System.nanoTime();
                List<String> chunked = qwen.generate(requests, false, 8);
                double chunkedS = since(t0);
                List<CompletableFuture<String>> futures = new ArrayList<>();
                qwen.submit(requests.get(0), false).get(); // starts the stream (warm-up)
                t0 = System.nanoTime();
                for (EngineRequest r : requests) {
                    futures.add(qwen.submit(r, false));
                }
                List<String> streamed = new ArrayList<>();
                for (CompletableFuture<String> f : futures) {
                    streamed.add(f.get(600, TimeUnit.SECONDS));
                }
                double streamS = since(t0);
                System.out.println("windows=" + requests.size());
                System.out.println("chunked_s=" + chunkedS);
                System.out.println("stream_s=" + streamS);
                System.out.println("same_captions=" + chunked.equals(streamed));
                System.out.println("stream_mean_batch=" + qwen.streamStats().meanBatchSize());
            }
        }
    }

    /** 32 windows of 8 generated noise videos (4 windows each), decoded once and held in Python. */
    private static List<EngineRequest> p7Requests(PythonRuntime runtime, QwenVL qwen) throws Exception {
        Path dir = BenchEnv.out().resolve("p7-videos");
        Files.createDirectories(dir);
        JepVideoDecoder decoder = new JepVideoDecoder(runtime);
        CaptionSettings settings = CaptionSettings.defaults();
        String prompt = new VideoCaptioner(qwen, decoder, settings).prompt();
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; out.size() < 32; i++) {
            Path target = dir.resolve("v" + i + ".mp4");
            if (!Files.exists(target)) {
                runtime.callWithKeywords("videos", "write_video", List.of(target.toString()),
                        Map.of("ext", "mp4", "frames", 4 * 256, "fps", 30, "width", 96, "height", 64, "noise", true));
            }
            VideoSource s = new VideoSource.VideoFile(target);
            var info = decoder.probe(s);
            List<VideoWindow> windows = Windowing.plan(s.displayName(), info.frameCount(), info.fps(), settings.windowing());
            PreparedVideo v = decoder.prepare(s, windows, qwen.config().modelVariant().keys().get(0), false); // kept
            for (int w = 0; w < windows.size() && out.size() < 32; w++) {
                out.add(request(prompt, v, w));
            }
        }
        return out;
    }
}
