package dev.qwenvl.caption;

import dev.qwenvl.engine.PromptTextException;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.video.WindowingConfig;
import java.util.Objects;

/**
 * How a {@link VideoCaptioner} captions: which instruction, how videos are cut into windows and
 * whether stage 2 runs. How many windows go to the engine at once is the model's setting,
 * {@link dev.qwenvl.model.QwenVlConfig#captionBatchSize()} (one home per setting).
 *
 * <p>Build with {@link #builder()} (every setting optional, starting at {@link #defaults()}), or
 * change one value with {@link #toBuilder()} or the {@code with*} methods.
 *
 * @param promptVariant named caption instruction (general, driving, surveillance)
 * @param promptText    custom instruction that overrides the variant; {@code null} for none (blank
 *                      text is refused: it would silently fall back to the variant)
 * @param windowing     window and frame-sampling settings
 * @param stage2        run the second, refining pass
 * @param captionSchema constrain every caption to this JSON Schema and keep it as JSON (structured
 *                      captions, {@code docs/structured-captions.md}); {@code null} for free text.
 *                      With stage 2, both passes are constrained: stage 2 refines the stage-1 JSON
 *                      under the same schema
 */
public record CaptionSettings(PromptVariant promptVariant, String promptText, WindowingConfig windowing, boolean stage2,
                              CaptionSchema captionSchema) {

    public CaptionSettings {
        Objects.requireNonNull(promptVariant, "promptVariant");
        Objects.requireNonNull(windowing, "windowing");
        if (promptText != null && promptText.isBlank()) {
            throw new IllegalArgumentException("the custom prompt text is blank; give an instruction, or pass null"
                    + " to caption with the prompt variant's instruction (" + promptVariant.key() + ")");
        }
        if (promptText != null) { // refused here as every request would refuse it (ChatPrompt)
            PromptTextException.requireWellFormed("custom prompt text", promptText);
        }
    }

    /** Free-text captions ({@code captionSchema} null). */
    public CaptionSettings(PromptVariant promptVariant, String promptText, WindowingConfig windowing, boolean stage2) {
        this(promptVariant, promptText, windowing, stage2, null);
    }

    /**
     * The instruction every window is captioned with: the custom text, else the variant's; with a
     * schema and a variant that does not name its fields, the variant's text followed by
     * {@link CaptionSchema#fieldsHint()} (so the model is told the fields).
     */
    public String instruction() {
        String base = promptVariant.instructionOr(promptText);
        if (captionSchema == null || promptText != null || promptVariant.namesFields()) {
            return base;
        }
        String hint = captionSchema.fieldsHint();
        return hint.isEmpty() ? base : base + "\n" + hint;
    }

    /** General prompt, default windowing, no stage 2. */
    public static CaptionSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().promptVariant(promptVariant).promptText(promptText).windowing(windowing).stage2(stage2)
                .captionSchema(captionSchema);
    }

    public CaptionSettings withPromptVariant(PromptVariant v) {
        return toBuilder().promptVariant(v).build();
    }

    public CaptionSettings withPromptText(String text) {
        return toBuilder().promptText(text).build();
    }

    public CaptionSettings withWindowing(WindowingConfig w) {
        return toBuilder().windowing(w).build();
    }

    public CaptionSettings withStage2(boolean s) {
        return toBuilder().stage2(s).build();
    }

    public CaptionSettings withCaptionSchema(CaptionSchema schema) {
        return toBuilder().captionSchema(schema).build();
    }

    /** Collects values for {@link CaptionSettings}; not thread-safe, reusable. */
    public static final class Builder {
        private PromptVariant promptVariant = PromptVariant.DEFAULT;
        private String promptText;
        private WindowingConfig windowing = WindowingConfig.defaults();
        private boolean stage2;
        private CaptionSchema captionSchema;

        private Builder() {}

        /** Default {@link PromptVariant#DEFAULT}. */
        public Builder promptVariant(PromptVariant value) {
            this.promptVariant = value;
            return this;
        }

        /** Custom instruction; {@code null} (the default) captions with the variant's. */
        public Builder promptText(String value) {
            this.promptText = value;
            return this;
        }

        /** Default {@link WindowingConfig#defaults()}. */
        public Builder windowing(WindowingConfig value) {
            this.windowing = value;
            return this;
        }

        /** Default false. */
        public Builder stage2(boolean value) {
            this.stage2 = value;
            return this;
        }

        /**
         * Default none (free text). Build it with {@link CaptionSchema#read} or
         * {@link CaptionSchema#of}, which refuse a schema that is not JSON or not JSON Schema.
         */
        public Builder captionSchema(CaptionSchema value) {
            this.captionSchema = value;
            return this;
        }

        /** @throws IllegalArgumentException for a blank custom prompt text */
        public CaptionSettings build() {
            return new CaptionSettings(promptVariant, promptText, windowing, stage2, captionSchema);
        }
    }
}
