package dev.qwenvl.model;

import dev.qwenvl.engine.Generation;
import java.util.Objects;

/**
 * One input's caption with the facts of how the engine made it ({@link QwenVL#submitCaption},
 * {@link QwenVL#generateCaptions}).
 *
 * @param generation      the final pass's {@link Generation}: stage 2's when it ran, else stage 1's
 * @param stage           1 or 2: which pass made {@link #text()}
 * @param stage1          stage 1's generation when stage 2 ran ({@code stage == 2}), else {@code null}
 * @param maxOutputTokens the output limit every pass ran under ({@code max_tokens})
 */
public record Caption(Generation generation, int stage, Generation stage1, int maxOutputTokens) {

    public Caption {
        Objects.requireNonNull(generation, "generation");
        if (stage != 1 && stage != 2) {
            throw new IllegalArgumentException("stage must be 1 or 2, got " + stage);
        }
        if ((stage == 2) != (stage1 != null)) {
            throw new IllegalArgumentException("stage 1's generation is kept exactly when stage 2 ran");
        }
    }

    /** The caption text (the final pass's). */
    public String text() {
        return generation.text();
    }

    /** The final pass hit the output limit: finish reason {@code length} and {@link #maxOutputTokens} tokens. */
    public boolean truncated() {
        return generation.truncatedAt(maxOutputTokens);
    }

    /** Stage 1's text when stage 2 ran, else {@code null}. */
    public String stage1Text() {
        return stage1 == null ? null : stage1.text();
    }
}
