package dev.qwenvl.benchmark;

import dev.qwenvl.model.ModelVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link FeedBenchmark#run} measured: each pass, and the ratios taken within the run.
 *
 * @param accelerator       the machine's GPU, or the CPU (the benchmark never uses it)
 * @param variant           the model variant whose front end ran
 * @param architecture      the config.json the front end read
 * @param clips             clips captioned per pass
 * @param maxOutputTokens   output tokens per window
 * @param decodeThreads     decode lanes of the many-lane passes
 * @param threadsPerLane    FFmpeg threads each of those lanes gets by the lane rule ({@code max(1, cores / lanes)})
 * @param poolEngines       engines in the pool pass
 * @param poolStepMs        sleep per step of each pool engine's core
 * @param poolFill          requests a pool engine takes before a less busy one gets any
 * @param poolWindowsPerEngine windows each pool engine answered in the pool pass, in device order
 *                          (empty when the pool did not run)
 * @param engineStartSeconds start of the engines: the pool of {@code poolEngines}, whose first member
 *                          also serves the one-engine passes (NaN when they did not start)
 * @param decodeOneLane     probe + prepare, 1 lane, an engine that answers at once on the Java side;
 *                          FFmpeg threads by the lane rule (all the cores): what a user of 1 lane gets
 * @param decodeOneLaneSameThreads the same, 1 lane with {@code threadsPerLane} FFmpeg threads, as
 *                          many as each of the many lanes has: the baseline of how the lanes scale
 * @param decodeLanes       the same with {@code decodeThreads} lanes
 * @param frontend          frames prepared beforehand, vLLM's front end, the instant core
 * @param pipeline          everything: decode with {@code decodeThreads} lanes, the front end, the instant core
 * @param pool              the pipeline with a pool of {@code poolEngines} engines sleeping {@code poolStepMs} per step
 * @param pipelineAgain     the pipeline once more, after the pool
 */
public record FeedReport(Accelerator accelerator, ModelVariant variant, BenchmarkArchitecture architecture, int clips,
                         int maxOutputTokens, int decodeThreads, int threadsPerLane, int poolEngines, double poolStepMs,
                         int poolFill, List<Integer> poolWindowsPerEngine, double engineStartSeconds, FeedPhase decodeOneLane,
                         FeedPhase decodeOneLaneSameThreads, FeedPhase decodeLanes, FeedPhase frontend, FeedPhase pipeline, FeedPhase pool,
                         FeedPhase pipelineAgain) {

    public FeedReport {
        poolWindowsPerEngine = List.copyOf(poolWindowsPerEngine);
    }

    /** Pool engines that answered at least one window in the pool pass. */
    public int poolEnginesUsed() {
        return (int) poolWindowsPerEngine.stream().filter(n -> n > 0).count();
    }

    /** Every pass, in the order they ran. */
    public List<FeedPhase> phases() {
        return List.of(decodeOneLane, decodeOneLaneSameThreads, decodeLanes, frontend, pipeline, pool, pipelineAgain);
    }

    /**
     * Decode-only windows/s with {@code decodeThreads} lanes / with one lane, each by the lane rule's
     * FFmpeg threads (1 lane: all the cores; K lanes: {@code threadsPerLane} each): what a user gains
     * by passing {@code --decode-threads K}.
     */
    public double lanesRatio() {
        return ratio(decodeLanes, decodeOneLane);
    }

    /**
     * Decode-only windows/s with {@code decodeThreads} lanes / with one lane, with the same FFmpeg
     * threads per lane ({@code threadsPerLane}) in both: how the lanes themselves scale.
     */
    public double lanesRatioSameThreads() {
        return ratio(decodeLanes, decodeOneLaneSameThreads);
    }

    /** Pipeline windows/s / decode-only windows/s (same lanes): what the front end and Java cost the feed. */
    public double pipelineRatio() {
        return ratio(pipeline, decodeLanes);
    }

    /**
     * Pool windows/s / one-engine pipeline windows/s, to the last caption; the pipeline's figure is
     * the mean of its passes before and after the pool (the one before alone when the second did
     * not run).
     */
    public double poolRatio() {
        return pool.windowsPerSecond() / aroundThePool(FeedPhase::windowsPerSecond);
    }

    /**
     * Pool / one-engine pipeline in windows/s handed to the engines ({@link FeedPhase#fedWindowsPerSecond()}):
     * whether more engines slow the feed, without the pool's engines' own time for the last windows
     * (a pass's tail that grows with the step time, not with the feed).
     */
    public double poolFedRatio() {
        return pool.fedWindowsPerSecond() / aroundThePool(FeedPhase::fedWindowsPerSecond);
    }

    /** The mean of a pipeline figure before and after the pool; the one before alone when the second did not run. */
    private double aroundThePool(java.util.function.ToDoubleFunction<FeedPhase> figure) {
        double before = figure.applyAsDouble(pipeline);
        double after = pipelineAgain.ran() ? figure.applyAsDouble(pipelineAgain) : Double.NaN;
        return Double.isFinite(after) ? (before + after) / 2 : before;
    }

    /** FFmpeg threads of the one-lane pass by the lane rule: all the cores. */
    static int decodeOneLaneThreads() {
        return dev.qwenvl.video.DecodeLane.codecThreads(1, Runtime.getRuntime().availableProcessors());
    }

    private static double ratio(FeedPhase a, FeedPhase b) {
        return a.windowsPerSecond() / b.windowsPerSecond();
    }

    /** The report as text lines, one figure per line. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "feed: model front end %s, %s architecture; vLLM's engine core runs the instant "
                + "executor in place of the model (no weights)", variant.modelId(), architecture.key()));
        out.add("feed: machine: " + accelerator + ", " + Runtime.getRuntime().availableProcessors() + " CPUs (no accelerator is used)");
        out.add(String.format(Locale.ROOT, "feed: workload: %d clips, %d output tokens per window, %d decode lanes against 1, "
                + "pool of %d engines at %.1f ms per step, fill %d", clips, maxOutputTokens, decodeThreads, poolEngines, poolStepMs,
                poolFill));
        out.add(String.format(Locale.ROOT, "feed: engine start: %.2f s for %d engine%s (the one-engine passes use the "
                + "first)", engineStartSeconds, poolEngines, poolEngines == 1 ? "" : "s"));
        for (FeedPhase p : phases()) {
            out.add("feed: " + p.line());
        }
        if (!poolWindowsPerEngine.isEmpty()) {
            out.add(String.format(Locale.ROOT, "feed: %s windows per engine: %s (%d of %d engines took windows; fill %d: "
                    + "an engine takes %d before a less busy one gets any)", pool.key(),
                    poolWindowsPerEngine.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")),
                    poolEnginesUsed(), poolEngines, poolFill, poolFill));
        }
        out.add(String.format(Locale.ROOT, "feed: ratio decode-only %d lanes / 1 lane, FFmpeg threads by the lane rule "
                + "(%d per lane against %d; what a user gets): %.3f", decodeThreads, threadsPerLane,
                decodeOneLaneThreads(), lanesRatio()));
        out.add(String.format(Locale.ROOT, "feed: ratio decode-only %d lanes / 1 lane, %d FFmpeg thread%s per lane in both "
                + "(how the lanes scale): %.3f", decodeThreads, threadsPerLane, threadsPerLane == 1 ? "" : "s",
                lanesRatioSameThreads()));
        out.add(String.format(Locale.ROOT, "feed: ratio pipeline / decode-only (%d lanes): %.3f", decodeThreads, pipelineRatio()));
        out.add(String.format(Locale.ROOT, "feed: ratio pool of %d at %.1f ms / 1 engine (the pipeline before and after the "
                + "pool): %.3f", poolEngines, poolStepMs, poolRatio()));
        out.add(String.format(Locale.ROOT, "feed: ratio pool of %d at %.1f ms / 1 engine, windows handed to the engines per "
                + "second (without the engines' time for the last windows): %.3f", poolEngines, poolStepMs, poolFedRatio()));
        out.add(String.format(Locale.ROOT, "feed: ceiling per JVM (frontend-only, the GIL-bound part lanes cannot lift): "
                + "%.2f windows/s", frontend.windowsPerSecond()));
        return out;
    }
}
