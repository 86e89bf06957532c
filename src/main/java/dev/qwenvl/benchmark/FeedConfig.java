package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.model.ModelVariant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link FeedBenchmark} measures. Build with {@link #builder(Path)}; defaults: variant
 * {@code qwen} with its published architecture (no weights are ever loaded, so the published
 * config costs nothing more than the tiny one), 20 generated clips of 20 s (640x360, 30 fps:
 * 40 windows with the default windowing), 512 output tokens per window, 2 decode lanes for the
 * many-lane figures (against 1), an engine pool of 8 whose instant cores sleep 6 ms per step,
 * routed with the library's default pool fill.
 *
 * @param workDir          where the model folder and generated clips are written
 * @param variant          the model whose front end (processor, tokenizer, chat template) runs
 * @param architecture     the config.json the front end reads: published or tiny
 * @param tinyModelDir     folder holding the tiny generated model as {@code <dir>/<model id>} (its
 *                         tokenizer and processor files are used)
 * @param clips            videos to caption; empty: {@code generatedClips} clips are generated
 * @param generatedClips   how many clips to generate when {@code clips} is empty
 * @param clipSeconds      length of each generated clip
 * @param maxOutputTokens  output tokens per window (the instant core answers exactly that many)
 * @param decodeThreads    decode lanes of the many-lane figures (the 1-lane figure always runs too)
 * @param poolEngines      engines of the pool figure
 * @param poolStepMs       milliseconds each step of a pool engine's instant core sleeps (an accelerator step)
 * @param poolFill         requests a pool engine takes before a less busy one gets any
 *                         ({@link dev.qwenvl.model.QwenVlConfig#poolFill()}; 1: always the least-loaded)
 * @param extraEngineArgs  further {@code vllm.LLM} arguments
 */
public record FeedConfig(Path workDir, ModelVariant variant, BenchmarkArchitecture architecture, Path tinyModelDir,
                         List<Path> clips, int generatedClips, double clipSeconds, int maxOutputTokens,
                         int decodeThreads, int poolEngines, double poolStepMs, int poolFill,
                         Map<String, Object> extraEngineArgs) {

    public static final int DEFAULT_GENERATED_CLIPS = 20;
    public static final double DEFAULT_CLIP_SECONDS = 20;
    public static final int DEFAULT_DECODE_THREADS = 2;
    public static final int DEFAULT_POOL_ENGINES = 8;
    public static final double DEFAULT_POOL_STEP_MS = 6;

    public FeedConfig {
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(tinyModelDir, "tinyModelDir");
        clips = List.copyOf(clips);
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
        if (decodeThreads < 1) {
            problems.add("decodeThreads must be at least 1, got " + decodeThreads);
        }
        if (poolEngines < 1) {
            problems.add("poolEngines must be at least 1, got " + poolEngines);
        }
        if (!(poolStepMs >= 0)) {
            problems.add("poolStepMs must be 0 or more, got " + poolStepMs);
        }
        EnginePool.Options.fillProblem("poolFill", poolFill).ifPresent(problems::add);
        for (String own : List.of("load_format", "distributed_executor_backend", "additional_config")) {
            if (extraEngineArgs.containsKey(own)) {
                problems.add(own + " is the feed benchmark's own (the instant core); leave it out");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid feed benchmark configuration: " + String.join("; ", problems));
        }
    }

    /** A builder with the defaults, writing into {@code workDir}. */
    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    /** Collects values for a {@link FeedConfig}. */
    public static final class Builder {
        private final Path workDir;
        private ModelVariant variant = ModelVariant.QWEN;
        private BenchmarkArchitecture architecture = BenchmarkArchitecture.PUBLISHED;
        private Path tinyModelDir = BenchmarkConfig.DEFAULT_TINY_MODEL_DIR;
        private List<Path> clips = List.of();
        private int generatedClips = DEFAULT_GENERATED_CLIPS;
        private double clipSeconds = DEFAULT_CLIP_SECONDS;
        private int maxOutputTokens = BenchmarkConfig.DEFAULT_MAX_OUTPUT_TOKENS;
        private int decodeThreads = DEFAULT_DECODE_THREADS;
        private int poolEngines = DEFAULT_POOL_ENGINES;
        private double poolStepMs = DEFAULT_POOL_STEP_MS;
        private int poolFill = EnginePool.Options.DEFAULT_FILL;
        private final Map<String, Object> extraEngineArgs = new LinkedHashMap<>();

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        public Builder variant(ModelVariant v) {
            this.variant = v;
            return this;
        }

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

        public Builder decodeThreads(int n) {
            this.decodeThreads = n;
            return this;
        }

        public Builder pool(int engines, double stepMs) {
            this.poolEngines = engines;
            this.poolStepMs = stepMs;
            return this;
        }

        /** Requests a pool engine takes before a less busy one gets any; default the library's. */
        public Builder poolFill(int fill) {
            this.poolFill = fill;
            return this;
        }

        public Builder extraEngineArgs(Map<String, ?> args) {
            this.extraEngineArgs.putAll(args);
            return this;
        }

        public FeedConfig build() {
            return new FeedConfig(workDir, variant, architecture, tinyModelDir, clips, generatedClips, clipSeconds,
                    maxOutputTokens, decodeThreads, poolEngines, poolStepMs, poolFill, extraEngineArgs);
        }
    }
}
