package dev.qwenvl.bench;

import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * P10 (issue 15) engine pool scaling, in its own JVM: windows/s through one engine and through a
 * pool of two ({@code devices=cpu,cpu}) in the one embedded interpreter, with the stand-in vllm
 * whose engine steps sleep in proportion to the running batch (an accelerator that is busy: twice
 * the requests take twice as long per step), so that the machine's two cores do not hide the
 * scaling. Prints {@code key=value}.
 */
public final class PoolBench {
    private PoolBench() {}

    static final int WINDOWS = 160;

    public static void main(String[] args) throws Exception {
        // 5 ms of "accelerator" per running request per step, 4 tokens per request
        PythonRuntimeConfig config = PythonRuntimeConfig.builder().python(BenchEnv.python()).addPath(BenchEnv.standIn())
                .environment("QWENVL_STANDIN_STEP_PER_REQUEST_S", "0.005").environment("QWENVL_STANDIN_TOKENS", "4")
                .build();
        try (PythonRuntime runtime = PythonRuntime.start(config)) {
            List<EngineRequest> inputs = BridgeWorkload.requests(WINDOWS);
            double[] one = run(runtime, Devices.DEFAULT, inputs);
            double[] two = run(runtime, Devices.parse("cpu,cpu"), inputs);
            System.out.println("windows=" + WINDOWS);
            System.out.println("one_s=" + one[0]);
            System.out.println("two_s=" + two[0]);
            System.out.println("same_captions=" + (one[1] == two[1]));
        }
    }

    /** {wall seconds of the run (after a warm-up round), a hash of the captions in request order}. */
    private static double[] run(PythonRuntime runtime, Devices devices, List<EngineRequest> inputs) throws Exception {
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").captionBatchSize(8)
                .devices(devices).build();
        try (QwenVL model = new QwenVL(config, JepLlmEngine.factory(runtime))) {
            model.setup();
            captions(model, inputs.subList(0, 8)); // warm-up: streams started
            long t0 = System.nanoTime();
            List<String> captions = captions(model, inputs);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new double[] {seconds, captions.hashCode()};
        }
    }

    private static List<String> captions(QwenVL model, List<EngineRequest> inputs) throws Exception {
        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (EngineRequest r : inputs) {
            futures.add(model.submit(r, false));
        }
        List<String> out = new ArrayList<>();
        for (CompletableFuture<String> f : futures) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        return out;
    }
}
