package dev.qwenvl.bench;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.BenchInterpreter;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.engine.VideoPayload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jep.DirectNDArray;
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
    private Map<String, Object> sampling;

    @Setup(Level.Trial)
    public void start() {
        runtime = BenchEnv.startRuntime();
        model = new QwenVL(BridgeWorkload.config(), JepLlmEngine.factory(runtime));
        model.setup();
        inputs = BridgeWorkload.requests(BridgeWorkload.INPUTS);
        sampling = model.samplingParams().toKwargs();
        BenchInterpreter.importBenchHelpers(runtime); // for chunkArgumentsUnconverted
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

    /**
     * Diagnosis, not a figure with a target: one empty interpreter call (queue to the Python
     * thread, invoke, result back).
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object emptyCall() {
        return runtime.call("qwenvl_bench_helpers", "nothing");
    }

    /**
     * Diagnosis: one chunk's arguments as {@code JepLlmEngine} sends them (16 prompts, 16
     * DirectNDArrays, 16 processor-kwargs maps, the sampling map), converted by the bridge and
     * dropped: the cost of crossing, without the engine's work.
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object chunkArguments() {
        return runtime.call("qwenvl_bench_helpers", "accept", chunkArgs());
    }

    /**
     * Diagnosis: the same arguments handed straight to the Python function, skipping the bridge's
     * deep conversion of Java lists and maps into Python ones (the function only takes their
     * length). The difference from {@link #chunkArguments} is the conversion's cost.
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object chunkArgumentsUnconverted() {
        Object[] args = chunkArgs();
        return BenchInterpreter.acceptUnconverted(runtime, args);
    }

    private Object[] chunkArgs() {
        List<String> prompts = new ArrayList<>(BridgeWorkload.BATCH);
        List<Object> videos = new ArrayList<>(BridgeWorkload.BATCH);
        List<Map<String, Object>> kwargs = new ArrayList<>(BridgeWorkload.BATCH);
        for (EngineRequest r : inputs.subList(0, BridgeWorkload.BATCH)) {
            prompts.add(((dev.qwenvl.engine.ChatPrompt.Templated) r.prompt()).text());
            VideoPayload.Frames f = (VideoPayload.Frames) r.video();
            videos.add(new DirectNDArray<>(f.data().slice(), true, f.shape()));
            kwargs.add(new LinkedHashMap<>(Map.of("fps", r.fps())));
        }
        return new Object[] {1L, prompts, videos, kwargs, sampling};
    }

    @TearDown(Level.Trial)
    public void stop() {
        model.close();
        runtime.close();
    }
}
