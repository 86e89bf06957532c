package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.jep.StandInVllmTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** QwenVL through the real JEP bridge against the stand-in vllm, which records what it gets. */
class QwenVLBridgeIT extends StandInVllmTest {

    private static QwenVL model(QwenVlConfig.Builder config) {
        return new QwenVL(config.build(), JepLlmEngine.factory(runtime));
    }

    private static QwenVlConfig.Builder seedConfig() {
        return QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").captionBatchSize(8);
    }

    private static List<EngineRequest> requests(int n) {
        QwenPromptFormatter formatter = new QwenPromptFormatter();
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuffer frames = ByteBuffer.allocateDirect(4 * 28 * 28 * 3);
            frames.put(0, (byte) i);
            out.add(new EngineRequest(formatter.format("Describe video " + i + "."),
                    new VideoPayload.Frames(frames, new int[] {4, 28, 28, 3}, VideoPayload.DType.UINT8)).withFps(2.0));
        }
        return out;
    }

    /** The stand-in's caption for a prompt. */
    private static String standInCaption(String prompt) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(StandardCharsets.UTF_8));
        return "caption-" + HexFormat.of().formatHex(digest).substring(0, 8);
    }

    @Test
    void vllmIsConstructedWithExactlyTheSeedsArguments() {
        try (QwenVL model = model(seedConfig())) {
            model.setup();
        }
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("model", "/models/Qwen/Qwen2.5-VL-7B-Instruct");
        expected.put("limit_mm_per_prompt", Map.of("image", 0L, "video", 1L));
        expected.put("quantization", "fp8");
        expected.put("max_model_len", 32768L);
        expected.put("gpu_memory_utilization", 0.85);
        // our pipeline resizes; vLLM rescales and normalises (once)
        expected.put("mm_processor_kwargs", Map.of("do_resize", false, "do_rescale", true, "do_normalize", true));
        expected.put("mm_processor_cache_gb", 4L);
        expected.put("max_num_batched_tokens", 32768L);
        // the library's one addition, by the Python half: vLLM keeps per-request stats (each window's times)
        expected.put("disable_log_stats", false);
        assertEquals(List.of(expected), recorded().get("constructed"));
    }

    @Test
    void withoutFp8AndCacheVllmGetsNoneAndZero() {
        try (QwenVL model = model(seedConfig().fp8(false).disableMmcache(true).modelDoesPreprocess(true))) {
            model.setup();
        }
        Map<?, ?> kwargs = (Map<?, ?>) ((List<?>) recorded().get("constructed")).get(0);
        assertTrue(kwargs.containsKey("quantization"));
        assertNull(kwargs.get("quantization"), "Python None, not the string");
        assertEquals(0L, kwargs.get("mm_processor_cache_gb"));
        assertEquals(Map.of("do_resize", true, "do_rescale", true, "do_normalize", true), kwargs.get("mm_processor_kwargs"));
    }

    /** The requests the stand-in engine's request stream received, in arrival order. */
    private static List<Map<?, ?>> added() throws Exception {
        return ((List<?>) recorded().get("added")).stream().<Map<?, ?>>map(r -> (Map<?, ?>) r).toList();
    }

    @Test
    void thirtySevenInputsAtMostEightInFlightComeBackInOrderWithTheSeedsSampling() throws Exception {
        List<EngineRequest> inputs = requests(37);
        List<String> captions;
        try (QwenVL model = model(seedConfig())) {
            model.setup();
            captions = model.generate(inputs, false, 8);
        }
        assertEquals(37, captions.size());
        for (int i = 0; i < 37; i++) {
            assertEquals(standInCaption(dev.qwenvl.engine.PromptTexts.text(inputs.get(i))), captions.get(i), "caption " + i);
        }
        List<Map<?, ?>> added = added();
        assertEquals(inputs.stream().map(dev.qwenvl.engine.PromptTexts::text).sorted().toList(),
                added.stream().map(r -> (String) r.get("prompt")).sorted().toList(), "each input once, through the stream");
        assertEquals(37, ((List<?>) recorded().get("generate_calls")).size(), "the stand-in records each added request once");
        int most = ((List<?>) recorded().get("step_sizes")).stream().mapToInt(n -> ((Number) n).intValue()).max().orElse(0);
        assertTrue(most >= 1 && most <= 8, "at most 8 requests in the engine at a step: " + most);
        assertEquals(Map.of("temperature", 0.1, "top_p", 0.001, "repetition_penalty", 1.05, "max_tokens", 512L,
                "stop_token_ids", List.of()), added.get(0).get("sampling"));
    }

    @Test
    void stageTwoRequestsCarryTheStageOneCaptions() throws Exception {
        List<EngineRequest> inputs = requests(3);
        List<String> captions;
        try (QwenVL model = model(seedConfig().stage2PromptText("Improve this caption: "))) {
            model.setup();
            captions = model.generate(inputs, true, 16);
        }
        List<String> prompts = added().stream().map(r -> (String) r.get("prompt")).toList();
        assertEquals(6, prompts.size(), "two requests per input");
        for (int i = 0; i < 3; i++) {
            String p1 = dev.qwenvl.engine.PromptTexts.text(inputs.get(i));
            assertTrue(prompts.contains(p1), p1);
            String wanted = "Improve this caption: " + standInCaption(p1);
            String p2 = prompts.stream().filter(p -> p.contains(wanted))
                    .findFirst().orElseThrow(() -> new AssertionError("no stage-2 request for input"));
            assertNotEquals(p1, p2);
            assertTrue(prompts.indexOf(p1) < prompts.indexOf(p2), "stage 2 follows its stage-1 caption");
            assertTrue(p2.endsWith("<|im_end|>\n<|im_start|>assistant\n"), p2);
            assertEquals(standInCaption(p2), captions.get(i), "only the stage-2 caption is returned");
        }
    }
}
