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
 */
public record CaptionSettings(PromptVariant promptVariant, String promptText, WindowingConfig windowing, boolean stage2) {

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

    /** General prompt, default windowing, no stage 2. */
    public static CaptionSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().promptVariant(promptVariant).promptText(promptText).windowing(windowing).stage2(stage2);
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

    /** Collects values for {@link CaptionSettings}; not thread-safe, reusable. */
    public static final class Builder {
        private PromptVariant promptVariant = PromptVariant.DEFAULT;
        private String promptText;
        private WindowingConfig windowing = WindowingConfig.defaults();
        private boolean stage2;

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

        /** @throws IllegalArgumentException for a blank custom prompt text */
        public CaptionSettings build() {
            return new CaptionSettings(promptVariant, promptText, windowing, stage2);
        }
    }
}
