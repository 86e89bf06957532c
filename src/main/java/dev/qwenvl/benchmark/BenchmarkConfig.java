package dev.qwenvl.benchmark;

import dev.qwenvl.model.ModelVariant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link MachineBenchmark} measures. Build with {@link #builder(Path)}; defaults: variant
 * {@code qwen}, architecture chosen by the machine (published on an NVIDIA GPU, tiny on a CPU),
 * tiny model in {@code .models/tiny-random}, 4 generated clips of 20 s, 512 output tokens per
 * window, 16 windows per engine call, FP8 then BF16, no further engine arguments.
 *
 * @param workDir          where the model folder and generated clips are written
 * @param variant          the model whose architecture is measured
 * @param architecture     published or tiny; empty: published on a GPU, tiny on a CPU
 * @param tinyModelDir     folder holding the tiny generated model as {@code <dir>/<model id>}
 * @param clips            videos to caption; empty: {@code generatedClips} clips are generated
 * @param generatedClips   how many clips to generate when {@code clips} is empty
 * @param clipSeconds      length of each generated clip
 * @param maxOutputTokens  output tokens per window (fixed: the end-of-sequence token is ignored)
 * @param precisions       precisions to run, in order
 * @param extraEngineArgs  further {@code vllm.LLM} arguments (e.g. enforce_eager on a CPU)
 */
public record BenchmarkConfig(Path workDir, ModelVariant variant, Optional<BenchmarkArchitecture> architecture,
                              Path tinyModelDir, List<Path> clips, int generatedClips, double clipSeconds,
                              int maxOutputTokens, List<Precision> precisions,
                              Map<String, Object> extraEngineArgs) {

    public static final int DEFAULT_GENERATED_CLIPS = 4;
    public static final double DEFAULT_CLIP_SECONDS = 20;
    public static final int DEFAULT_MAX_OUTPUT_TOKENS = 512;
    public static final Path DEFAULT_TINY_MODEL_DIR = Path.of(".models/tiny-random");

    public BenchmarkConfig {
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(tinyModelDir, "tinyModelDir");
        clips = List.copyOf(clips);
        precisions = List.copyOf(precisions);
        extraEngineArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraEngineArgs));
        List<String> problems = new ArrayList<>();
        if (clips.isEmpty() && generatedClips < 1) {
            problems.add("generatedClips must be at least 1 when no clips are given, got " + generatedClips);
        }
        if (!(clipSeconds > 0)) {
            problems.add("clipSeconds must be positive, got " + clipSeconds);
        }
        if (maxOutputTokens < 1) {
            problems.add("maxOutputTokens must be at least 1, got " + maxOutputTokens);
        }
        if (precisions.isEmpty()) {
            problems.add("at least one precision (fp8, bf16) is needed");
        }
        if (extraEngineArgs.containsKey("load_format")) {
            problems.add("load_format is the benchmark's own (dummy); leave it out");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid benchmark configuration: " + String.join("; ", problems));
        }
    }

    /** A builder with the defaults, writing into {@code workDir}. */
    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** A builder preset with this config's values. */
    public Builder toBuilder() {
        return new Builder(workDir).variant(variant).architecture(architecture.orElse(null)).tinyModelDir(tinyModelDir)
                .clips(clips).generatedClips(generatedClips, clipSeconds).maxOutputTokens(maxOutputTokens)
                .precisions(precisions).extraEngineArgs(extraEngineArgs);
    }

    /** Collects values for a {@link BenchmarkConfig}. */
    public static final class Builder {
        private final Path workDir;
        private ModelVariant variant = ModelVariant.QWEN;
        private BenchmarkArchitecture architecture;
        private Path tinyModelDir = DEFAULT_TINY_MODEL_DIR;
        private List<Path> clips = List.of();
        private int generatedClips = DEFAULT_GENERATED_CLIPS;
        private double clipSeconds = DEFAULT_CLIP_SECONDS;
        private int maxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS;
        private List<Precision> precisions = List.of(Precision.FP8, Precision.BF16);
        private final Map<String, Object> extraEngineArgs = new LinkedHashMap<>();

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        public Builder variant(ModelVariant v) {
            this.variant = v;
            return this;
        }

        /** {@code null}: chosen by the machine. */
        public Builder architecture(BenchmarkArchitecture a) {
            this.architecture = a;
            return this;
        }

        public Builder tinyModelDir(Path dir) {
            this.tinyModelDir = dir;
            return this;
        }

        public Builder clips(List<Path> videos) {
            this.clips = videos;
            return this;
        }

        public Builder generatedClips(int count, double seconds) {
            this.generatedClips = count;
            this.clipSeconds = seconds;
            return this;
        }

        public Builder maxOutputTokens(int n) {
            this.maxOutputTokens = n;
            return this;
        }

        public Builder precisions(List<Precision> p) {
            this.precisions = p;
            return this;
        }

        public Builder extraEngineArg(String name, Object value) {
            this.extraEngineArgs.put(name, value);
            return this;
        }

        public Builder extraEngineArgs(Map<String, ?> args) {
            this.extraEngineArgs.putAll(args);
            return this;
        }

        public BenchmarkConfig build() {
            return new BenchmarkConfig(workDir, variant, Optional.ofNullable(architecture), tinyModelDir, clips,
                    generatedClips, clipSeconds, maxOutputTokens, precisions, extraEngineArgs);
        }
    }
}
