package dev.qwenvl.caption;

import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.video.WindowingConfig;
import java.util.Objects;

/**
 * How a {@link VideoCaptioner} captions: which instruction, how videos are cut into windows,
 * whether stage 2 runs, and how many windows go to the engine at once.
 *
 * @param promptVariant named caption instruction (general, driving, surveillance)
 * @param promptText    custom instruction that overrides the variant; {@code null} for none (blank
 *                      text is refused: it would silently fall back to the variant)
 * @param windowing     window and frame-sampling settings
 * @param stage2        run the second, refining pass
 * @param batchSize     windows per engine call (at least 1)
 */
public record CaptionSettings(
        PromptVariant promptVariant, String promptText, WindowingConfig windowing, boolean stage2, int batchSize) {

    public static final int DEFAULT_BATCH_SIZE = 16;

    public CaptionSettings {
        Objects.requireNonNull(promptVariant, "promptVariant");
        Objects.requireNonNull(windowing, "windowing");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (promptText != null && promptText.isBlank()) {
            throw new IllegalArgumentException("the custom prompt text is blank; give an instruction, or pass null"
                    + " to caption with the prompt variant's instruction (" + promptVariant.key() + ")");
        }
    }

    /** General prompt, default windowing, no stage 2, batches of {@value #DEFAULT_BATCH_SIZE}. */
    public static CaptionSettings defaults() {
        return new CaptionSettings(PromptVariant.DEFAULT, null, WindowingConfig.defaults(), false, DEFAULT_BATCH_SIZE);
    }

    public CaptionSettings withPromptVariant(PromptVariant v) {
        return new CaptionSettings(v, promptText, windowing, stage2, batchSize);
    }

    public CaptionSettings withPromptText(String text) {
        return new CaptionSettings(promptVariant, text, windowing, stage2, batchSize);
    }

    public CaptionSettings withWindowing(WindowingConfig w) {
        return new CaptionSettings(promptVariant, promptText, w, stage2, batchSize);
    }

    public CaptionSettings withStage2(boolean s) {
        return new CaptionSettings(promptVariant, promptText, windowing, s, batchSize);
    }

    public CaptionSettings withBatchSize(int b) {
        return new CaptionSettings(promptVariant, promptText, windowing, stage2, b);
    }
}
