package dev.qwenvl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The P1 workload, defined once: the Java benchmark uses it directly and the pure-Python loop
 * (python/bench/p1_python_loop.py) reads the same values from a JSON file written by
 * {@link #writeJson(Path)}.
 *
 * <p>256 inputs, batch 16; input {@code i} is the chat prompt for "Describe video i." with a
 * (4, 28, 28, 3) uint8 video of zeros whose first byte is {@code i % 256}, and processor
 * arguments {@code {fps: 2.0}}; the engine and sampling arguments are the seed's.
 */
final class BridgeWorkload {
    static final int INPUTS = 256;
    static final int BATCH = 16;
    static final int[] SHAPE = {4, 28, 28, 3};
    static final double FPS = 2.0;

    private BridgeWorkload() {}

    static QwenVlConfig config() {
        return QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").captionBatchSize(BATCH).build();
    }

    static List<String> prompts(int n) {
        QwenPromptFormatter formatter = new QwenPromptFormatter();
        List<String> prompts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            prompts.add(formatter.format("Describe video " + i + "."));
        }
        return prompts;
    }

    /** Requests over direct buffers made once (the frames a Java pipeline already holds). */
    static List<EngineRequest> requests(int n) {
        List<String> prompts = prompts(n);
        List<EngineRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ByteBuffer frames = ByteBuffer.allocateDirect(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
            frames.put(0, (byte) i);
            out.add(new EngineRequest(prompts.get(i),
                    new VideoPayload.Frames(frames, SHAPE, VideoPayload.DType.UINT8)).withFps(FPS));
        }
        return out;
    }

    /** The same workload for the Python loop. */
    static void writeJson(Path file) throws IOException {
        QwenVlConfig config = config();
        Map<String, Object> workload = new LinkedHashMap<>();
        workload.put("inputs", INPUTS);
        workload.put("batch_size", BATCH);
        workload.put("frame_shape", List.of(4, 28, 28, 3));
        workload.put("processor_kwargs", Map.of("fps", FPS));
        workload.put("engine_kwargs", QwenVlSettings.engineArgs(config).toKwargs());
        workload.put("sampling_kwargs", QwenVlSettings.samplingParams(config).toKwargs());
        workload.put("prompts", prompts(INPUTS));
        Files.createDirectories(file.getParent());
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), workload);
    }
}
