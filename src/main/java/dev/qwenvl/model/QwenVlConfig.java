package dev.qwenvl.model;

import dev.qwenvl.engine.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of one {@link QwenVL}, built with {@link #builder()}:
 *
 * <pre>{@code
 * QwenVlConfig config = QwenVlConfig.builder()
 *         .modelDir(Path.of("/models"))
 *         .modelVariant("qwen")
 *         .captionBatchSize(8)
 *         .build();
 * }</pre>
 *
 * <p>Required: {@code modelDir}, {@code modelVariant}, {@code captionBatchSize} (&ge; 1).
 * Optional, with the seed's defaults: {@code fp8} (true), {@code maxOutputTokens} (512, &ge; 1),
 * {@code modelDoesPreprocess} (false), {@code disableMmcache} (false), {@code stage2PromptText}
 * (none: {@link #DEFAULT_STAGE2_PROMPT_TEXT} is used when stage 2 is requested), {@code verbose}
 * (false). Library additions: {@code extraEngineArgs} (further {@code vllm.LLM} arguments passed
 * through as they are, such as {@code tensor_parallel_size}, {@code seed}, {@code dtype}; they may
 * not repeat an argument the library sets) and {@code samplingSeed} (none by default).
 *
 * <p>{@link Builder#build()} checks every value and throws one {@link IllegalArgumentException}
 * naming each wrong value and the valid choices. The engine and sampling values derived from a
 * config are computed by {@link QwenVlSettings}.
 */
public final class QwenVlConfig {

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

    private final Path modelDir;
    private final ModelVariant modelVariant;
    private final int captionBatchSize;
    private final boolean fp8;
    private final int maxOutputTokens;
    private final boolean modelDoesPreprocess;
    private final boolean disableMmcache;
    private final String stage2PromptText;
    private final boolean customStage2PromptText;
    private final boolean verbose;
    private final Map<String, Object> extraEngineArgs;
    private final Integer samplingSeed;
    private final Devices devices;

    private QwenVlConfig(Builder b, ModelVariant variant) {
        this.modelDir = b.modelDir;
        this.modelVariant = variant;
        this.captionBatchSize = b.captionBatchSize;
        this.fp8 = b.fp8;
        this.maxOutputTokens = b.maxOutputTokens;
        this.modelDoesPreprocess = b.modelDoesPreprocess;
        this.disableMmcache = b.disableMmcache;
        this.customStage2PromptText = b.stage2PromptText != null && !b.stage2PromptText.isEmpty();
        this.stage2PromptText = customStage2PromptText ? b.stage2PromptText : DEFAULT_STAGE2_PROMPT_TEXT;
        this.verbose = b.verbose;
        this.extraEngineArgs = Collections.unmodifiableMap(new LinkedHashMap<>(b.extraEngineArgs));
        this.samplingSeed = b.samplingSeed;
        this.devices = b.devices;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Directory that holds the weights of every model, one folder per model id. */
    public Path modelDir() {
        return modelDir;
    }

    public ModelVariant modelVariant() {
        return modelVariant;
    }

    /** The variant's HuggingFace model id. */
    public String modelId() {
        return modelVariant.modelId();
    }

    /** Where the weights of this variant are: {@code modelDir / modelId}. */
    public Path weightsPath() {
        return modelDir.resolve(modelVariant.modelId());
    }

    /**
     * Videos per generate chunk that pipeline stages should pass to
     * {@link QwenVL#generate(java.util.List, boolean, int)} (the seed keeps it as a setting; the
     * method's own default stays 16).
     */
    public int captionBatchSize() {
        return captionBatchSize;
    }

    public boolean fp8() {
        return fp8;
    }

    public int maxOutputTokens() {
        return maxOutputTokens;
    }

    public boolean modelDoesPreprocess() {
        return modelDoesPreprocess;
    }

    public boolean disableMmcache() {
        return disableMmcache;
    }

    /** The stage-2 instruction: the configured one, or {@link #DEFAULT_STAGE2_PROMPT_TEXT}. */
    public String stage2PromptText() {
        return stage2PromptText;
    }

    /** Whether {@link #stage2PromptText()} was configured (false: the default is used). */
    public boolean hasCustomStage2PromptText() {
        return customStage2PromptText;
    }

    public boolean verbose() {
        return verbose;
    }

    /** Further engine arguments, in insertion order; unmodifiable. */
    public Map<String, Object> extraEngineArgs() {
        return extraEngineArgs;
    }

    /** Seed of every sampling call, when set. */
    public Optional<Integer> samplingSeed() {
        return Optional.ofNullable(samplingSeed);
    }

    /**
     * The devices the model runs on ({@link Devices#DEFAULT}: one unpinned engine); two or more
     * engines form an {@link dev.qwenvl.engine.EnginePool}.
     */
    public Devices devices() {
        return devices;
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
                .stage2PromptText(customStage2PromptText ? stage2PromptText : null)
                .verbose(verbose)
                .extraEngineArgs(extraEngineArgs)
                .samplingSeed(samplingSeed)
                .devices(devices);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof QwenVlConfig)) {
            return false;
        }
        QwenVlConfig c = (QwenVlConfig) o;
        return modelDir.equals(c.modelDir) && modelVariant == c.modelVariant
                && captionBatchSize == c.captionBatchSize && fp8 == c.fp8
                && maxOutputTokens == c.maxOutputTokens && modelDoesPreprocess == c.modelDoesPreprocess
                && disableMmcache == c.disableMmcache && stage2PromptText.equals(c.stage2PromptText)
                && customStage2PromptText == c.customStage2PromptText && verbose == c.verbose
                && extraEngineArgs.equals(c.extraEngineArgs) && Objects.equals(samplingSeed, c.samplingSeed)
                && devices.equals(c.devices);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelDir, modelVariant, captionBatchSize, fp8, maxOutputTokens, modelDoesPreprocess,
                disableMmcache, stage2PromptText, customStage2PromptText, verbose, extraEngineArgs, samplingSeed, devices);
    }

    @Override
    public String toString() {
        return "QwenVlConfig[modelDir=" + modelDir + ", modelVariant=" + modelVariant
                + ", captionBatchSize=" + captionBatchSize + ", fp8=" + fp8
                + ", maxOutputTokens=" + maxOutputTokens + ", modelDoesPreprocess=" + modelDoesPreprocess
                + ", disableMmcache=" + disableMmcache
                + ", stage2PromptText=" + (customStage2PromptText ? "custom" : "default")
                + ", verbose=" + verbose + ", extraEngineArgs=" + extraEngineArgs
                + ", samplingSeed=" + samplingSeed + ", devices=" + devices + "]";
    }

    /** Collects values for a {@link QwenVlConfig}; not thread-safe, reusable. */
    public static final class Builder {
        private Path modelDir;
        private String modelVariantKey;
        private ModelVariant modelVariant;
        private int captionBatchSize; // 0 = not set
        private boolean fp8 = DEFAULT_FP8;
        private int maxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS;
        private boolean modelDoesPreprocess = DEFAULT_MODEL_DOES_PREPROCESS;
        private boolean disableMmcache = DEFAULT_DISABLE_MMCACHE;
        private String stage2PromptText;
        private boolean verbose = DEFAULT_VERBOSE;
        private final Map<String, Object> extraEngineArgs = new LinkedHashMap<>();
        private Integer samplingSeed;
        private Devices devices = Devices.DEFAULT;

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

        /** Required, at least 1. */
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
         * The devices to run on: {@link Devices#DEFAULT} (one unpinned engine, the default),
         * {@link Devices#ALL}, or one engine per listed group ({@link Devices#parse}); {@code null}
         * selects the default.
         */
        public Builder devices(Devices devices) {
            this.devices = devices == null ? Devices.DEFAULT : devices;
            return this;
        }

        /**
         * Checks all values and builds the config.
         *
         * @throws IllegalArgumentException listing every wrong value with the valid choices
         */
        public QwenVlConfig build() {
            List<String> problems = new ArrayList<>();
            if (modelDir == null) {
                problems.add("modelDir is required: the directory that holds (or will hold) the model weights");
            }
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
            if (captionBatchSize < 1) {
                problems.add(captionBatchSize == 0
                        ? "captionBatchSize is required and must be at least 1"
                        : "captionBatchSize must be at least 1, got " + captionBatchSize);
            }
            if (maxOutputTokens < 1) {
                problems.add("maxOutputTokens must be at least 1, got " + maxOutputTokens);
            }
            for (Map.Entry<String, Object> e : extraEngineArgs.entrySet()) {
                String name = e.getKey();
                if (name == null || name.isBlank()) {
                    problems.add("extraEngineArgs has an empty argument name");
                } else if (QwenVlSettings.NAMED_ENGINE_ARGUMENTS.contains(name)) {
                    problems.add("extraEngineArgs '" + name + "' is set by the library; use its own setting instead"
                            + " (arguments the library sets: " + String.join(", ", QwenVlSettings.NAMED_ENGINE_ARGUMENTS) + ")");
                } else if (e.getValue() == null) {
                    problems.add("extraEngineArgs '" + name + "' has a null value; leave the argument out instead");
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid QwenVL configuration: " + String.join("; ", problems));
            }
            return new QwenVlConfig(this, variant);
        }
    }
}
