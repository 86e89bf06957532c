package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * QwenVL -> JEP -> the real vLLM (CPU build) -> the tiny random Qwen2.5-VL, on generated videos.
 * The captions are noise; everything that produces them is real. The captioning tests use the
 * engines this JVM's e2e classes share ({@link E2ESharedRuntime}); the stage-2 test starts and
 * closes its own, since it checks what a close does.
 */
class RealVllmE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(RealVllmE2EIT.class);
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime();
    private static PythonRuntime runtime;
    private static List<VideoSource> videos;
    /** Windows per video in {@link #videos}: 300 frames -> 1, 400 frames -> 2, 40 frames -> 1. */
    private static final List<Integer> WINDOWS = List.of(1, 2, 1);

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        runtime = PYTHON.get();
        LOG.info("end-to-end tier: {}", runtime.call("qwenvl_e2e.checks", "versions"));
        videos = List.of(video("a.mp4", "mp4", 300, 30), video("b.mkv", "mkv", 400, 30), video("c.webm", "webm", 40, 10));
    }

    private static VideoSource video(String name, String ext, int frames, int fps) {
        Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve(name).toString()),
                Map.of("ext", ext, "frames", frames, "fps", fps, "width", 96, "height", 64, "noise", true));
        return new VideoSource.VideoFile(Path.of((String) path));
    }

    /** An engine that remembers every request it was given (to see the stage-2 prompts). */
    private static final class Recording implements LlmEngine {
        final LlmEngine delegate;
        final List<EngineRequest> requests = new CopyOnWriteArrayList<>();

        Recording(LlmEngine delegate) {
            this.delegate = delegate;
        }

        @Override
        public java.util.concurrent.CompletableFuture<dev.qwenvl.engine.Generation> submit(EngineRequest request,
                SamplingParams sampling) {
            requests.add(request);
            return delegate.submit(request, sampling);
        }

        @Override
        public java.util.Optional<dev.qwenvl.engine.EngineDiedException> death() {
            return dev.qwenvl.engine.EngineDeaths.of(delegate);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static List<String> captions(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        for (VideoCaptions r : results) {
            assertTrue(r.succeeded(), r.source().displayName() + ": " + r.error());
            r.captions().stream().map(WindowCaption::caption).forEach(out::add);
        }
        return out;
    }

    private void captionsEveryWindowInOrder(boolean modelDoesPreprocess) {
        QwenVlConfig config = E2ETier.config().modelDoesPreprocess(modelDoesPreprocess).build();
        try (QwenVL model = new QwenVL(config, PYTHON.engines())) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults());
            Map<?, ?> before = (Map<?, ?>) runtime.call("qwenvl_e2e.checks", "vllm_request_totals");
            List<VideoCaptions> results = captioner.caption(videos);
            Map<?, ?> after = (Map<?, ?>) runtime.call("qwenvl_e2e.checks", "vllm_request_totals");
            factsAreVllmsOwn(results, config.maxOutputTokens(), before, after);
            List<?> loggers = (List<?>) runtime.call("qwenvl_e2e.checks", "stat_loggers_of_open_engines");
            assertFalse(loggers.isEmpty());
            for (Object engineLoggers : loggers) {
                assertFalse(((List<?>) engineLoggers).contains("PrometheusStatLogger"),
                        "vLLM's Prometheus logger is taken off each engine: " + loggers);
                assertTrue(((List<?>) engineLoggers).size() >= 1, "the throughput log stays: " + loggers);
            }
            for (int v = 0; v < videos.size(); v++) {
                List<Integer> indices = results.get(v).captions().stream().map(c -> c.window().windowIndex()).toList();
                assertEquals(java.util.stream.IntStream.range(0, WINDOWS.get(v)).boxed().toList(), indices, "windows of video " + v);
            }
            List<String> texts = captions(results);
            assertEquals(4, texts.size());
            for (String t : texts) {
                assertFalse(t.isBlank(), "the tiny model writes visible word pieces");
                int tokens = ((Number) runtime.call("qwenvl_e2e.checks", "token_count", E2ETier.weights().toString(), t)).intValue();
                assertTrue(tokens <= config.maxOutputTokens(), tokens + " tokens in " + t);
            }
            LOG.info("captions (modelDoesPreprocess={}): {}", modelDoesPreprocess, texts);
        }
    }

    /**
     * Each window's facts are those vLLM recorded for its request: the token counts and times
     * summed over the windows equal the sums of vLLM's own per-request bookkeeping over the same
     * requests (its finished-request stats, read through a stat logger the test adds to the
     * engine, not from the RequestOutput the library reads); {@code truncated} is true exactly when the finish reason
     * is {@code length} and the output has max-output-tokens tokens.
     */
    private static void factsAreVllmsOwn(List<VideoCaptions> results, int maxOutputTokens, Map<?, ?> before,
                                         Map<?, ?> after) {
        List<WindowCaption> windows = results.stream().flatMap(r -> r.captions().stream()).toList();
        double prompt = 0;
        double output = 0;
        double firstToken = 0;
        double queued = 0;
        double total = 0;
        for (WindowCaption c : windows) {
            String where = c.video() + "#" + c.window().windowIndex() + ": " + c;
            assertTrue(List.of("stop", "length").contains(c.finishReason()), where);
            assertTrue(c.promptTokens() > 0 && c.outputTokens() > 0 && c.outputTokens() <= maxOutputTokens, where);
            assertEquals("length".equals(c.finishReason()) && c.outputTokens() == maxOutputTokens, c.truncated(), where);
            assertTrue(c.timings().queuedSeconds() >= 0 && c.timings().firstTokenSeconds() > 0
                    && c.timings().totalSeconds() >= c.timings().firstTokenSeconds(), where);
            prompt += c.promptTokens();
            output += c.outputTokens();
            firstToken += c.timings().firstTokenSeconds();
            queued += c.timings().queuedSeconds();
            total += c.timings().totalSeconds();
        }
        assertEquals(windows.size(), delta(before, after, "requests"), 0, "vLLM finished one request per window");
        assertEquals(delta(before, after, "prompt_tokens"), prompt, 0, "prompt tokens, video included");
        assertEquals(delta(before, after, "output_tokens"), output, 0, "output tokens");
        assertEquals(delta(before, after, "first_token_seconds"), firstToken, 1e-6, "time to first token");
        assertEquals(delta(before, after, "queued_seconds"), queued, 1e-6, "queue time");
        // vLLM takes its end-to-end time when the step's outputs arrive, the library a moment later
        // (when its loop holds them): never less, and never more than the loop's turn
        double vllmTotal = delta(before, after, "total_seconds");
        assertTrue(total >= vllmTotal - 1e-6 && total - vllmTotal < windows.size() * 0.5, total + " vs " + vllmTotal);
        LOG.info("facts of {} windows equal vLLM's: {} prompt tokens, {} output tokens, finish reasons {}",
                windows.size(), prompt, output, windows.stream().map(WindowCaption::finishReason).toList());
    }

    private static double delta(Map<?, ?> before, Map<?, ?> after, String key) {
        return ((Number) after.get(key)).doubleValue() - ((Number) before.get(key)).doubleValue();
    }

    @Test
    void captionsEveryWindowInOrderWhenOurPipelinePreprocesses() {
        captionsEveryWindowInOrder(false);
    }

    @Test
    void captionsEveryWindowInOrderWhenTheModelPreprocesses() {
        captionsEveryWindowInOrder(true);
    }

    @Test
    void stageTwoRewritesPromptsSameSeedRepeatsAndCloseLetsANewModelStart() {
        List<Recording> engines = new ArrayList<>();
        QwenVlConfig config = E2ETier.config().stage2PromptText("Improve this caption: ").build();
        int shared = enginesOpen(); // the engines this JVM's e2e classes share stay open
        // vLLM's own log (through SLF4J) of the closes below: a graceful close has no force kill
        ListAppender<ILoggingEvent> vllmLog = new ListAppender<>();
        vllmLog.start();
        ch.qos.logback.classic.Logger python = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("python");
        python.addAppender(vllmLog);
        try {
            stageTwoAndANewModel(engines, config, shared);
        } finally {
            python.detachAppender(vllmLog);
        }
        synchronized (vllmLog) {
            List<String> forced = vllmLog.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("force kill")).toList();
            assertTrue(forced.isEmpty(), "vLLM's close ended in a force kill: " + forced);
            assertTrue(vllmLog.list.stream().anyMatch(e -> e.getLoggerName().startsWith("python.vllm")),
                    "vLLM's log reached SLF4J under python.vllm (else the check above sees nothing)");
        }
    }

    private void stageTwoAndANewModel(List<Recording> engines, QwenVlConfig config, int shared) {
        List<String> first;
        List<String> second;
        try (QwenVL model = new QwenVL(config, args -> {
            Recording r = new Recording(JepLlmEngine.start(runtime, args));
            engines.add(r);
            return r;
        })) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime),
                    CaptionSettings.defaults().withStage2(true));
            List<VideoCaptions> refined = captioner.caption(videos.subList(0, 1));
            first = captions(refined);
            for (WindowCaption c : refined.get(0).captions()) {
                assertEquals(2, c.stage());
                assertTrue(c.stage1Caption() != null && !c.stage1Caption().isBlank(), "stage 1's caption is kept: " + c);
            }
            second = captions(captioner.caption(videos.subList(0, 1)));
        }
        assertEquals(first, second, "the same seed gives the same captions");
        List<String> prompts = engines.get(0).requests.stream().map(dev.qwenvl.engine.PromptTexts::text).toList();
        List<String> stage2Prompts = prompts.stream().filter(p -> p.contains("Improve this caption: ")).toList();
        assertTrue(!stage2Prompts.isEmpty() && prompts.size() == 2 * stage2Prompts.size(),
                "two passes per window in each caption call: " + prompts.size() + " requests");
        String stage1Prompt = prompts.get(0);
        String stage2Prompt = stage2Prompts.get(0);
        assertNotEquals(stage1Prompt, stage2Prompt);
        assertTrue(stage2Prompt.contains("Improve this caption: "), stage2Prompt);
        assertTrue(stage2Prompt.endsWith("<|im_end|>\n<|im_start|>assistant\n"), stage2Prompt);
        assertEquals(shared, enginesOpen(), "close() released the engine");

        // a new QwenVL starts in the same JVM after the first was closed
        try (QwenVL again = new QwenVL(E2ETier.config().build(), JepLlmEngine.factory(runtime))) {
            again.setup();
            List<String> texts = captions(new VideoCaptioner(again, new JepVideoDecoder(runtime), CaptionSettings.defaults())
                    .caption(videos.subList(2, 3)));
            assertEquals(1, texts.size());
        }
        assertEquals(shared, enginesOpen(), "close() released the second engine");
    }

    private static int enginesOpen() {
        return ((Number) runtime.call("qwenvl_e2e.checks", "engines_open")).intValue();
    }
}
