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

/**
 * QwenVL -> JEP -> the real vLLM (CPU build) -> the tiny random Qwen2.5-VL, on generated videos.
 * The captions are noise; everything that produces them is real.
 */
class RealVllmE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(RealVllmE2EIT.class);
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();
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
        try (QwenVL model = new QwenVL(config, JepLlmEngine.factory(runtime))) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults());
            List<VideoCaptions> results = captioner.caption(videos);
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
            first = captions(captioner.caption(videos.subList(0, 1)));
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
        assertEquals(0, ((Number) runtime.call("qwenvl_e2e.checks", "engines_open")).intValue(), "close() released the engine");

        // a new QwenVL starts in the same JVM after the first was closed
        try (QwenVL again = new QwenVL(E2ETier.config().build(), JepLlmEngine.factory(runtime))) {
            again.setup();
            List<String> texts = captions(new VideoCaptioner(again, new JepVideoDecoder(runtime), CaptionSettings.defaults())
                    .caption(videos.subList(2, 3)));
            assertEquals(1, texts.size());
        }
        assertEquals(0, ((Number) runtime.call("qwenvl_e2e.checks", "engines_open")).intValue());
    }
}
