package dev.qwenvl.benchmark;

import dev.qwenvl.model.ModelVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link MachineBenchmark#run} measured.
 *
 * @param accelerator     the machine's GPU, or the CPU
 * @param variant         the model variant
 * @param architecture    the architecture that ran
 * @param clips           clips captioned per precision
 * @param maxOutputTokens output tokens per window
 * @param results         one per requested precision, in order
 */
public record BenchmarkReport(Accelerator accelerator, ModelVariant variant, BenchmarkArchitecture architecture,
                              int clips, int maxOutputTokens, List<PrecisionResult> results) {

    public BenchmarkReport {
        results = List.copyOf(results);
    }

    /** The report as text lines, one figure per line, each prefixed by its precision. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "model: %s, %s architecture, vLLM dummy weights (load_format=dummy)",
                variant.modelId(), architecture.key()));
        out.add("accelerator: " + accelerator);
        out.add(String.format(Locale.ROOT, "workload: %d clips, %d output tokens per window (ignore_eos)", clips, maxOutputTokens));
        for (PrecisionResult r : results) {
            String p = "[" + r.precision().key() + "] ";
            switch (r.status()) {
                case SKIPPED -> out.add(p + "skipped: " + r.reason());
                case FAILED -> out.add(p + "failed: " + r.reason());
                default -> {
                    out.add(String.format(Locale.ROOT, "%sengine start: %.2f s", p, r.engineStartSeconds()));
                    out.add(String.format(Locale.ROOT, "%swindows: %d in %.2f s (%d videos failed): %.3f windows/s", p, r.windows(),
                            r.totalSeconds(), r.failedVideos(), r.windowsPerSecond()));
                    out.add(String.format(Locale.ROOT, "%soutput tokens: %d: %.1f tokens/s", p, r.outputTokens(), r.outputTokensPerSecond()));
                    out.add(String.format(Locale.ROOT, "%sprompt (video) tokens: %d: %.1f tokens/s", p, r.promptTokens(), r.promptTokensPerSecond()));
                    double total = r.totalSeconds() > 0 ? r.totalSeconds() : 1;
                    out.add(String.format(Locale.ROOT, "%stime split: decode+preprocess %.2f s (%.0f%%), engine %.2f s (%.0f%%)", p,
                            r.prepareSeconds(), 100 * r.prepareSeconds() / total, r.engineSeconds(), 100 * r.engineSeconds() / total));
                    out.add(p + "peak memory: " + r.peakMemory());
                    StructuredPass c = r.structured();
                    if (c != null) {
                        out.add(String.format(Locale.ROOT, "%sconstrained by %s: %d valid windows in %.2f s (%d videos invalid): "
                                + "%.3f windows/s (free text %.3f, x%.2f); %.1f output tokens/s (free text %.1f, x%.2f)", p,
                                c.schema(), c.windows(), c.seconds(), c.invalidVideos(), c.windowsPerSecond(),
                                r.windowsPerSecond(), ratio(c.windowsPerSecond(), r.windowsPerSecond()),
                                c.outputTokensPerSecond(), r.outputTokensPerSecond(),
                                ratio(c.outputTokensPerSecond(), r.outputTokensPerSecond())));
                    }
                }
            }
        }
        return out;
    }

    private static double ratio(double a, double b) {
        return b > 0 ? a / b : Double.NaN;
    }
}
