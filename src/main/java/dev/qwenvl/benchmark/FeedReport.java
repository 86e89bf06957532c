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
 * @param poolEngines       engines in the pool pass
 * @param poolStepMs        sleep per step of each pool engine's core
 * @param engineStartSeconds start of the one engine (NaN when it did not start)
 * @param poolStartSeconds  start of the pool (NaN when it did not start)
 * @param decodeOneLane     probe + prepare, 1 lane, an engine that answers at once on the Java side
 * @param decodeLanes       the same with {@code decodeThreads} lanes
 * @param frontend          frames prepared beforehand, vLLM's front end, the instant core
 * @param pipeline          everything: decode with {@code decodeThreads} lanes, the front end, the instant core
 * @param pool              the pipeline with a pool of {@code poolEngines} engines sleeping {@code poolStepMs} per step
 */
public record FeedReport(Accelerator accelerator, ModelVariant variant, BenchmarkArchitecture architecture, int clips,
                         int maxOutputTokens, int decodeThreads, int poolEngines, double poolStepMs,
                         double engineStartSeconds, double poolStartSeconds, FeedPhase decodeOneLane,
                         FeedPhase decodeLanes, FeedPhase frontend, FeedPhase pipeline, FeedPhase pool) {

    /** Every pass, in the order they ran. */
    public List<FeedPhase> phases() {
        return List.of(decodeOneLane, decodeLanes, frontend, pipeline, pool);
    }

    /** Decode-only windows/s with {@code decodeThreads} lanes / with one lane. */
    public double lanesRatio() {
        return ratio(decodeLanes, decodeOneLane);
    }

    /** Pipeline windows/s / decode-only windows/s (same lanes): what the front end and Java cost the feed. */
    public double pipelineRatio() {
        return ratio(pipeline, decodeLanes);
    }

    /** Pool windows/s / one-engine pipeline windows/s: whether more engines slow the feed. */
    public double poolRatio() {
        return ratio(pool, pipeline);
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
                + "pool of %d engines at %.1f ms per step", clips, maxOutputTokens, decodeThreads, poolEngines, poolStepMs));
        out.add(String.format(Locale.ROOT, "feed: engine start: %.2f s (one engine), %.2f s (pool of %d)",
                engineStartSeconds, poolStartSeconds, poolEngines));
        for (FeedPhase p : phases()) {
            out.add("feed: " + p.line());
        }
        out.add(String.format(Locale.ROOT, "feed: ratio decode-only %d lanes / 1 lane: %.3f", decodeThreads, lanesRatio()));
        out.add(String.format(Locale.ROOT, "feed: ratio pipeline / decode-only (%d lanes): %.3f", decodeThreads, pipelineRatio()));
        out.add(String.format(Locale.ROOT, "feed: ratio pool of %d at %.1f ms / 1 engine: %.3f", poolEngines, poolStepMs, poolRatio()));
        out.add(String.format(Locale.ROOT, "feed: ceiling per JVM (frontend-only, the GIL-bound part lanes cannot lift): "
                + "%.2f windows/s", frontend.windowsPerSecond()));
        return out;
    }
}
