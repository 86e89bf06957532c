package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LlmEngine} must do, whatever is behind it. Subclasses supply an engine (the
 * stand-in vllm through JEP, the real vLLM in the end-to-end tier).
 */
public abstract class LlmEngineContract {

    /** A freshly started engine. */
    protected abstract LlmEngine startEngine();

    /**
     * The engine of the tests that only send requests: by default a fresh one
     * ({@link #startEngine()}); a subclass may lend a started engine in the same state (idle,
     * nothing in flight) whose {@code close()} ends the loan. The close test always starts its own.
     */
    protected LlmEngine engineForRequests() {
        return startEngine();
    }

    /** A request for {@code instruction} over {@code video}, the chat template left to the engine. */
    protected EngineRequest request(String instruction, VideoPayload video) {
        return EngineRequest.instruction(instruction, null, video);
    }

    /** A small valid video for the engine. */
    public static VideoPayload video(int seed) {
        int t = 4, h = 56, w = 56, c = 3;
        ByteBuffer data = ByteBuffer.allocateDirect(t * h * w * c);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) ((i * 31 + seed) & 0xff));
        }
        return new VideoPayload.Frames(data, new int[] {t, h, w, c}, VideoPayload.DType.UINT8);
    }

    protected SamplingParams sampling() {
        return new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), 0);
    }

    @Test
    void returnsOneTextPerRequestInRequestOrder() {
        try (LlmEngine engine = engineForRequests()) {
            List<EngineRequest> requests = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                requests.add(request("video number " + i, video(i)).withFps(2.0));
            }
            List<String> texts = engine.generate(requests, sampling());
            assertEquals(5, texts.size());
            texts.forEach(t -> assertFalse(t == null, "no null texts"));
            // the same request alone gives the same text as in the batch (order is kept)
            assertEquals(texts.get(3), engine.generate(List.of(requests.get(3)), sampling()).get(0));
        }
    }

    @Test
    void rejectsAnEmptyBatch() {
        try (LlmEngine engine = engineForRequests()) {
            assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(), sampling()));
        }
    }

    @Test
    void closeIsIdempotentAndGenerateAfterCloseFails() {
        LlmEngine engine = startEngine();
        engine.close();
        assertDoesNotThrow(engine::close);
        assertThrows(EngineException.class,
                () -> engine.generate(List.of(request("late", video(0))), sampling()));
    }
}
