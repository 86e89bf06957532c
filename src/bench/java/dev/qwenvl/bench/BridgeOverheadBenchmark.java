package dev.qwenvl.bench;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.python.PythonRuntime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1, Java side: {@link QwenVL#generate} of the {@link BridgeWorkload} (256 inputs, batch 16)
 * through JEP to the stand-in vllm. The Python side (p1_python_loop.py) runs the same loop with the
 * same warm-up and iteration scheme; the figure is the ratio of the medians of iteration averages.
 * The stand-in's records are cleared before every iteration on both sides.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BridgeOverheadBenchmark {
    private PythonRuntime runtime;
    private QwenVL model;
    private List<EngineRequest> inputs;

    @Setup(Level.Trial)
    public void start() {
        runtime = BenchEnv.startRuntime();
        model = new QwenVL(BridgeWorkload.config(), JepLlmEngine.factory(runtime));
        model.setup();
        inputs = BridgeWorkload.requests(BridgeWorkload.INPUTS);
        List<String> captions = model.generate(inputs, false, BridgeWorkload.BATCH);
        if (captions.size() != BridgeWorkload.INPUTS) {
            throw new IllegalStateException("expected " + BridgeWorkload.INPUTS + " captions, got " + captions.size());
        }
    }

    @Setup(Level.Iteration)
    public void clearStandInRecords() {
        runtime.call("vllm", "reset");
    }

    @Benchmark
    public List<String> generate() {
        return model.generate(inputs, false, BridgeWorkload.BATCH);
    }

    @TearDown(Level.Trial)
    public void stop() {
        model.close();
        runtime.close();
    }
}
