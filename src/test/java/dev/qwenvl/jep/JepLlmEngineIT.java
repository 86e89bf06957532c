package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.StandInVllmTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JepLlmEngine against the stand-in vllm: what reaches vllm, exactly. */
class JepLlmEngineIT extends StandInVllmTest {

    @Test
    void engineArgumentsReachVllmAsKeywordsWithNoneForNoQuantization() {
        EngineArgs args = new EngineArgs("/models/Qwen/Qwen2.5-VL-7B-Instruct", Map.of("image", 0, "video", 1), null,
                32768, 0.85, Map.of("do_resize", true, "do_rescale", true, "do_normalize", true), 0, 32768,
                Map.of("tensor_parallel_size", 2, "seed", 7));
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, args)) {
            List<?> constructed = (List<?>) recorded().get("constructed");
            assertEquals(1, constructed.size());
            Map<?, ?> kwargs = (Map<?, ?>) constructed.get(0);
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("model", "/models/Qwen/Qwen2.5-VL-7B-Instruct");
            expected.put("limit_mm_per_prompt", Map.of("image", 0L, "video", 1L));
            expected.put("quantization", null);
            expected.put("max_model_len", 32768L);
            expected.put("gpu_memory_utilization", 0.85);
            expected.put("mm_processor_kwargs", Map.of("do_resize", true, "do_rescale", true, "do_normalize", true));
            expected.put("mm_processor_cache_gb", 0L);
            expected.put("max_num_batched_tokens", 32768L);
            expected.put("tensor_parallel_size", 2L);
            expected.put("seed", 7L);
            expected.put("disable_log_stats", false); // added by the Python half: per-request times
            assertEquals(expected, kwargs);
            assertTrue(kwargs.containsKey("quantization"));
            assertNull(kwargs.get("quantization"));
        }
    }

    @Test
    void framesAndSamplingReachVllmWithTheirShapesTypesAndValues() {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m"))) {
            ByteBuffer bytes = ByteBuffer.allocateDirect(4 * 28 * 56 * 3);
            for (int i = 0; i < bytes.capacity(); i++) {
                bytes.put(i, (byte) 200); // above 127: must arrive unsigned
            }
            ByteBuffer floats = ByteBuffer.allocateDirect(4 * 4 * 28 * 28 * 3).order(ByteOrder.nativeOrder());
            for (int i = 0; i < floats.capacity() / 4; i++) {
                floats.putFloat(i * 4, 0.5f);
            }
            List<EngineRequest> requests = List.of(
                    new EngineRequest("p0", new VideoPayload.Frames(bytes, new int[] {4, 28, 56, 3}, VideoPayload.DType.UINT8)).withFps(2.0),
                    new EngineRequest("p1", new VideoPayload.Frames(floats, new int[] {4, 28, 28, 3}, VideoPayload.DType.FLOAT32)));
            List<String> texts = engine.generate(requests, new SamplingParams(0.1, 0.001, 1.05, 512, List.of(), null));
            assertEquals(2, texts.size());

            Map<?, ?> call = (Map<?, ?>) ((List<?>) recorded().get("generate_calls")).get(0);
            assertEquals(Map.of("temperature", 0.1, "top_p", 0.001, "repetition_penalty", 1.05, "max_tokens", 512L,
                    "stop_token_ids", List.of()), call.get("sampling"));
            assertEquals(false, call.get("use_tqdm"));
            List<Map<String, Object>> inputs = recordedInputs(); // the engine loop adds them one by one
            Map<?, ?> first = inputs.stream().filter(i -> "p0".equals(i.get("prompt"))).findFirst().orElseThrow();
            Map<?, ?> second = inputs.stream().filter(i -> "p1".equals(i.get("prompt"))).findFirst().orElseThrow();
            assertEquals("p0", first.get("prompt"));
            assertEquals(Map.of("fps", 2.0), first.get("mm_processor_kwargs"));
            assertEquals(Map.of("kind", "ndarray", "shape", List.of(4L, 28L, 56L, 3L), "dtype", "uint8",
                    "sum", 200.0 * 4 * 28 * 56 * 3, "metadata", metadata(4, 2.0)), first.get("video"));
            assertEquals(Map.of(), second.get("mm_processor_kwargs"));
            assertEquals(Map.of("kind", "ndarray", "shape", List.of(4L, 28L, 28L, 3L), "dtype", "float32",
                    "sum", 0.5 * 4 * 28 * 28 * 3, "metadata", metadata(4, 2.0)), second.get("video"),
                    "no fps given: the default rate");
        }
    }

    /** What vLLM's Qwen-VL processor is told about already-sampled frames. */
    private static Map<String, Object> metadata(int frames, double fps) {
        return Map.of("fps", fps, "duration", frames / fps, "total_num_frames", (long) frames,
                "frames_indices", java.util.stream.LongStream.range(0, frames).boxed().toList(),
                "video_backend", "qwenvl-jep", "do_sample_frames", false);
    }

    @Test
    void aCustomSamplingRateReachesTheVideoMetadata() {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m"))) {
            engine.generate(List.of(new EngineRequest("p", LlmEngineContract.video(3)).withFps(0.5)),
                    new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), null));
            Map<?, ?> call = (Map<?, ?>) ((List<?>) recorded().get("generate_calls")).get(0);
            Map<?, ?> video = (Map<?, ?>) ((Map<?, ?>) ((List<?>) call.get("inputs")).get(0)).get("video");
            assertEquals(metadata(4, 0.5), video.get("metadata"));
        }
    }

    @Test
    void changedSamplingParametersReachVllmAndUnchangedOnesAreReused() {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m"))) {
            List<EngineRequest> one = List.of(new EngineRequest("p", LlmEngineContract.video(1)));
            SamplingParams a = new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), null);
            SamplingParams b = new SamplingParams(0.1, 0.001, 1.05, 99, List.of(), 5);
            engine.generate(one, a);
            engine.generate(one, a);
            engine.generate(one, b);
            engine.generate(one, a);
            List<?> calls = (List<?>) recorded().get("generate_calls");
            List<?> maxTokens = calls.stream().map(c -> ((Map<?, ?>) ((Map<?, ?>) c).get("sampling")).get("max_tokens")).toList();
            assertEquals(List.of(8L, 8L, 99L, 8L), maxTokens);
        }
    }

    @Test
    void javaFramesReachNumpyWithoutACopy() {
        int t = 64, h = 448, w = 448, c = 3;
        ByteBuffer frames = ByteBuffer.allocateDirect(t * h * w * c);
        VideoPayload.Frames payload = new VideoPayload.Frames(frames, new int[] {t, h, w, c}, VideoPayload.DType.UINT8);
        // Python writes into the array it received; Java sees the write in its own buffer.
        runtime.call("qwenvl_testing.probes", "poke", PythonRequests.video(payload), 77);
        assertEquals(77, frames.get(0));
        assertEquals(77, frames.get(frames.capacity() - 1));
        List<?> info = (List<?>) runtime.call("qwenvl_testing.probes", "array_info", PythonRequests.video(payload));
        assertEquals(List.of("ndarray", "uint8", List.of(64L, 448L, 448L, 3L)), info.subList(0, 3));
    }

    @Test
    void aModelThatFailsToLoadGivesAnEngineExceptionNamingTheFolder() {
        EngineException e = assertThrows(EngineException.class,
                () -> JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/fail-to-load")));
        assertTrue(e.getMessage().contains("/models/fail-to-load"), e.getMessage());
        assertTrue(e.getMessage().contains("OSError"), e.getMessage());
    }

    @Test
    void anEngineFailureDuringGenerateIsAnEngineExceptionAndTheEngineStaysUsable() {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m"))) {
            VideoPayload v = LlmEngineContract.video(1);
            SamplingParams s = new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), null);
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.generate(List.of(new EngineRequest("please FAIL", v)), s));
            assertTrue(e.getMessage().contains("stand-in engine was told to fail"), e.getMessage());
            assertEquals(1, engine.generate(List.of(new EngineRequest("fine", v)), s).size());
        }
    }

    @Test
    void closingTheEngineShutsVllmDown() {
        JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/closing"));
        engine.close();
        engine.close();
        assertEquals(List.of("/models/closing"), recorded().get("closed"));
    }

    @Test
    void aSecondCloseWaitsForTheCloseAnotherThreadHasStarted() throws Exception {
        JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/slow-close"));
        runtime.call("vllm", "set_shutdown_delay", 1.5);
        Thread first = new Thread(engine::close, "first-closer");
        first.start();
        Thread.sleep(300); // the first close is inside vLLM's shutdown now
        long started = System.nanoTime();
        engine.close(); // as a second shutdown hook would
        double waited = (System.nanoTime() - started) / 1e9;
        first.join(10_000);
        assertEquals(List.of("/models/slow-close"), recorded().get("closed"),
                "the second close returned before the first had shut vLLM down (after " + waited + " s)");
        assertTrue(waited >= 0.8, "the second close returned after " + waited + " s, before the first ended");
    }
}
