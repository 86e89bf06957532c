package dev.qwenvl.model;

import dev.qwenvl.engine.PromptTextException;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EnginePool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Immutable settings of one {@link QwenVL}, built with {@link #builder()}:
 *
 * <pre>{@code
 * QwenVlConfig config = QwenVlConfig.builder()
 *         .modelDir(Path.of("/models"))
 *         .modelVariant("qwen")
 *         .build();
 * }</pre>
 *
 * <p>Required: {@code modelDir}, {@code modelVariant}.
 * Optional, with the seed's defaults: {@code captionBatchSize} ({@link QwenVL#DEFAULT_BATCH_SIZE},
 * 16, &ge; 1), {@code fp8} (true), {@code maxOutputTokens} (512, &ge; 1),
 * {@code modelDoesPreprocess} (false), {@code disableMmcache} (false), {@code stage2PromptText}
 * (none: {@link #DEFAULT_STAGE2_PROMPT_TEXT} is used when stage 2 is requested), {@code verbose}
 * (false). Library additions: {@code extraEngineArgs} (further {@code vllm.LLM} arguments passed
 * through as they are, such as {@code tensor_parallel_size}, {@code seed}, {@code dtype}; they may
 * not repeat an argument the library sets), {@code samplingSeed} (none by default), and for
 * several engines {@code devices} (one unpinned engine by default) and {@code poolFill}
 * ({@link EnginePool.Options#DEFAULT_FILL}, &ge; 1; {@code docs/pools.md}).
 *
 * <p>{@code captionBatchSize} is the most requests {@link QwenVL#generate(java.util.List)} keeps in
 * flight (submitted to the engine and unfinished); {@link QwenVL#generate(java.util.List, boolean, int)}
 * takes it as an argument instead.
 *
 * <p>{@link Builder#build()} (and the canonical constructor) check every value and throw one
 * {@link IllegalArgumentException} naming each wrong value and the valid choices. The engine and
 * sampling values derived from a config are computed by {@link QwenVlSettings}.
 *
 * @param modelDir               directory that holds the weights of every model, one folder per model id
 * @param modelVariant           the model variant
 * @param captionBatchSize       requests in flight for {@link QwenVL#generate(java.util.List)} (at least 1)
 * @param fp8                    FP8 quantization of the weights
 * @param maxOutputTokens        most tokens per caption (at least 1)
 * @param modelDoesPreprocess    vLLM's processor resizes the frames instead of the library
 * @param disableMmcache         no multimodal processor cache
 * @param customStage2PromptText the configured stage-2 instruction, or {@code null} for the default
 *                               (empty text counts as none)
 * @param verbose                per-chunk progress at INFO instead of DEBUG
 * @param extraEngineArgs        pass-through {@code vllm.LLM} arguments, in insertion order; unmodifiable
 * @param samplingSeed           seed of every sampling call, when set
 * @param devices                the devices the model runs on ({@link Devices#DEFAULT}: one unpinned
 *                               engine); two or more engines form an {@link dev.qwenvl.engine.EnginePool}
 * @param poolFill               with two or more engines: requests an engine takes before a less busy
 *                               one gets any (1: always the least-loaded engine; default
 *                               {@link dev.qwenvl.engine.EnginePool.Options#DEFAULT_FILL})
 */
public record QwenVlConfig(
        Path modelDir,
        ModelVariant modelVariant,
        int captionBatchSize,
        boolean fp8,
        int maxOutputTokens,
        boolean modelDoesPreprocess,
        boolean disableMmcache,
        String customStage2PromptText,
        boolean verbose,
        Map<String, Object> extraEngineArgs,
        Optional<Integer> samplingSeed,
        Devices devices,
        int poolFill) {

    /**
     * Stage-2 instruction used when none is configured, NeMo Curator's (QwenVL's
     * {@code stage2_prompt} default); the stage-1 caption follows it.
     */
    public static final String DEFAULT_STAGE2_PROMPT_TEXT = "Please refine this caption: ";

    public static final boolean DEFAULT_FP8 = true;
    public static final int DEFAULT_MAX_OUTPUT_TOKENS = 512;
    public static final boolean DEFAULT_MODEL_DOES_PREPROCESS = false;
    public static final boolean DEFAULT_DISABLE_MMCACHE = false;
    public static final boolean DEFAULT_VERBOSE = false;

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException listing every wrong value with the valid choices
     */
    public QwenVlConfig {
        extraEngineArgs = Collections.unmodifiableMap(new LinkedHashMap<>(extraEngineArgs == null ? Map.of() : extraEngineArgs));
        samplingSeed = samplingSeed == null ? Optional.empty() : samplingSeed;
        devices = devices == null ? Devices.DEFAULT : devices;
        customStage2PromptText = customStage2PromptText == null || customStage2PromptText.isEmpty() ? null : customStage2PromptText;
        List<String> problems = new ArrayList<>();
        if (modelVariant == null) {
            problems.add("modelVariant is required; valid choices: " + String.join(", ", ModelVariant.validKeys()));
        }
        problems.addAll(problems(modelDir, captionBatchSize, maxOutputTokens, poolFill, extraEngineArgs));
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The variant's HuggingFace model id. */
    public String modelId() {
        return modelVariant.modelId();
    }

    /** Where the weights of this variant are: {@code modelDir / modelId}. */
    public Path weightsPath() {
        return modelDir.resolve(modelVariant.modelId());
    }

    /** The stage-2 instruction: the configured one, or {@link #DEFAULT_STAGE2_PROMPT_TEXT}. */
    public String stage2PromptText() {
        return customStage2PromptText != null ? customStage2PromptText : DEFAULT_STAGE2_PROMPT_TEXT;
    }

    /** Whether {@link #stage2PromptText()} was configured (false: the default is used). */
    public boolean hasCustomStage2PromptText() {
        return customStage2PromptText != null;
    }

    /** A builder preset with this config's values. */
    public Builder toBuilder() {
        return new Builder()
                .modelDir(modelDir)
                .modelVariant(modelVariant)
                .captionBatchSize(captionBatchSize)
                .fp8(fp8)
                .maxOutputTokens(maxOutputTokens)
                .modelDoesPreprocess(modelDoesPreprocess)
                .disableMmcache(disableMmcache)
                .stage2PromptText(customStage2PromptText)
                .verbose(verbose)
                .extraEngineArgs(extraEngineArgs)
                .samplingSeed(samplingSeed.orElse(null))
                .devices(devices)
                .poolFill(poolFill);
    }

    /** Names whether a stage-2 text is configured rather than printing it. */
    @Override
    public String toString() {
        return "QwenVlConfig[modelDir=" + modelDir + ", modelVariant=" + modelVariant
                + ", captionBatchSize=" + captionBatchSize + ", fp8=" + fp8
                + ", maxOutputTokens=" + maxOutputTokens + ", modelDoesPreprocess=" + modelDoesPreprocess
                + ", disableMmcache=" + disableMmcache
                + ", stage2PromptText=" + (customStage2PromptText != null ? "custom" : "default")
                + ", verbose=" + verbose + ", extraEngineArgs=" + extraEngineArgs
                + ", samplingSeed=" + samplingSeed.orElse(null) + ", devices=" + devices + ", poolFill=" + poolFill + "]";
    }

    private static List<String> problems(Path modelDir, int captionBatchSize, int maxOutputTokens, int poolFill,
                                         Map<String, Object> extraEngineArgs) {
        List<String> problems = new ArrayList<>();
        if (modelDir == null) {
            problems.add("modelDir is required: the directory that holds (or will hold) the model weights");
        }
        if (captionBatchSize < 1) {
            problems.add("captionBatchSize must be at least 1, got " + captionBatchSize);
        }
        if (maxOutputTokens < 1) {
            problems.add("maxOutputTokens must be at least 1, got " + maxOutputTokens);
        }
        EnginePool.Options.fillProblem("poolFill", poolFill).ifPresent(problems::add);
        for (Map.Entry<String, Object> e : extraEngineArgs.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isBlank()) {
                problems.add("extraEngineArgs has an empty argument name");
            } else if (EngineArgs.NAMED.contains(name)) {
                problems.add("extraEngineArgs '" + name + "' is set by the library; use its own setting instead"
                        + " (arguments the library sets: " + String.join(", ", EngineArgs.NAMED) + ")");
            } else if (e.getValue() == null) {
                problems.add("extraEngineArgs '" + name + "' has a null value; leave the argument out instead");
            }
        }
        return problems;
    }

    private static IllegalArgumentException invalid(List<String> problems) {
        return new IllegalArgumentException("invalid QwenVL configuration: " + String.join("; ", problems));
    }

    /** Collects values for a {@link QwenVlConfig}; not thread-safe, reusable. */
    public static final class Builder {
        private Path modelDir;
        private String modelVariantKey;
        private ModelVariant modelVariant;
        private int captionBatchSize = QwenVL.DEFAULT_BATCH_SIZE;
        private boolean fp8 = DEFAULT_FP8;
        private int maxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS;
        private boolean modelDoesPreprocess = DEFAULT_MODEL_DOES_PREPROCESS;
        private boolean disableMmcache = DEFAULT_DISABLE_MMCACHE;
        private String stage2PromptText;
        private boolean verbose = DEFAULT_VERBOSE;
        private final Map<String, Object> extraEngineArgs = new LinkedHashMap<>();
        private Integer samplingSeed;
        private Devices devices = Devices.DEFAULT;
        private int poolFill = EnginePool.Options.DEFAULT_FILL;

        private Builder() {}

        /** Required: directory holding the weights, one folder per model id. */
        public Builder modelDir(Path modelDir) {
            this.modelDir = modelDir;
            return this;
        }

        /** Required: variant key, one of {@link ModelVariant#validKeys()}. */
        public Builder modelVariant(String key) {
            this.modelVariantKey = key;
            this.modelVariant = null;
            return this;
        }

        /** Required (alternative to the key form). */
        public Builder modelVariant(ModelVariant variant) {
            this.modelVariant = variant;
            this.modelVariantKey = null;
            return this;
        }

        /** At least 1; default {@link QwenVL#DEFAULT_BATCH_SIZE}: requests in flight for {@link QwenVL#generate(java.util.List)}. */
        public Builder captionBatchSize(int captionBatchSize) {
            this.captionBatchSize = captionBatchSize;
            return this;
        }

        public Builder fp8(boolean fp8) {
            this.fp8 = fp8;
            return this;
        }

        /** At least 1; default 512. */
        public Builder maxOutputTokens(int maxOutputTokens) {
            this.maxOutputTokens = maxOutputTokens;
            return this;
        }

        public Builder modelDoesPreprocess(boolean modelDoesPreprocess) {
            this.modelDoesPreprocess = modelDoesPreprocess;
            return this;
        }

        public Builder disableMmcache(boolean disableMmcache) {
            this.disableMmcache = disableMmcache;
            return this;
        }

        /** Stage-2 instruction; {@code null} or empty selects the default. */
        public Builder stage2PromptText(String stage2PromptText) {
            this.stage2PromptText = stage2PromptText;
            return this;
        }

        public Builder verbose(boolean verbose) {
            this.verbose = verbose;
            return this;
        }

        /** Adds one pass-through engine argument (replacing an earlier value of that name). */
        public Builder extraEngineArg(String name, Object value) {
            this.extraEngineArgs.put(name, value);
            return this;
        }

        /** Replaces all pass-through engine arguments; {@code null} clears them. */
        public Builder extraEngineArgs(Map<String, ?> args) {
            this.extraEngineArgs.clear();
            if (args != null) {
                this.extraEngineArgs.putAll(args);
            }
            return this;
        }

        /** Seed of every sampling call; {@code null} leaves it to the engine. */
        public Builder samplingSeed(Integer samplingSeed) {
            this.samplingSeed = samplingSeed;
            return this;
        }

        /**
         * Checks all values and builds the config.
         *
         * @throws IllegalArgumentException listing every wrong value with the valid choices
         */
        /**
         * The devices to run on: {@link Devices#DEFAULT} (one unpinned engine, the default),
         * {@link Devices#ALL}, or one engine per listed group ({@link Devices#parse}); {@code null}
         * selects the default.
         */
        public Builder devices(Devices devices) {
            this.devices = devices == null ? Devices.DEFAULT : devices;
            return this;
        }

        /**
         * With two or more engines: requests an engine takes before a less busy one gets any; at
         * least 1 (1: every request to the least-loaded engine). Default
         * {@link EnginePool.Options#DEFAULT_FILL}. Fewer, fuller engines cost the host less CPU per
         * window while the feed is the limit; once every engine holds this many, requests spread.
         */
        public Builder poolFill(int poolFill) {
            this.poolFill = poolFill;
            return this;
        }

        public QwenVlConfig build() {
            List<String> problems = new ArrayList<>();
            ModelVariant variant = modelVariant;
            if (variant == null) {
                if (modelVariantKey == null) {
                    problems.add("modelVariant is required; valid choices: " + String.join(", ", ModelVariant.validKeys()));
                } else {
                    try {
                        variant = ModelVariant.fromKey(modelVariantKey);
                    } catch (IllegalArgumentException e) {
                        problems.add("modelVariant: " + e.getMessage());
                    }
                }
            }
            problems.addAll(problems(modelDir, captionBatchSize, maxOutputTokens, poolFill, extraEngineArgs));
            if (!problems.isEmpty()) {
                throw invalid(problems);
            }
            if (stage2PromptText != null) { // refused here as every stage-2 request would refuse it (ChatPrompt)
                PromptTextException.requireWellFormed("stage-2 prompt text", stage2PromptText);
            }
            return new QwenVlConfig(modelDir, variant, captionBatchSize, fp8, maxOutputTokens, modelDoesPreprocess,
                    disableMmcache, stage2PromptText, verbose, extraEngineArgs, Optional.ofNullable(samplingSeed), devices,
                    poolFill);
        }
    }
}
