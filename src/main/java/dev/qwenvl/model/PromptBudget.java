package dev.qwenvl.model;

/**
 * The share of the model's context a prompt's text may take: the context ({@code max_model_len})
 * less the tokens kept for the caption ({@code max_output_tokens}). A prompt over it cannot
 * succeed whatever the video, so it is refused before the model loads; one under it may still
 * be too long once a window's video tokens are added, which vLLM reports per window.
 *
 * @param maxModelLen     context length in tokens
 * @param maxOutputTokens tokens kept for each caption
 */
public record PromptBudget(int maxModelLen, int maxOutputTokens) {

    public PromptBudget {
        if (maxModelLen < 1 || maxOutputTokens < 1) {
            throw new IllegalArgumentException("maxModelLen and maxOutputTokens must be positive, got "
                    + maxModelLen + " and " + maxOutputTokens);
        }
    }

    /** The budget of {@code model}'s engine settings. */
    public static PromptBudget of(QwenVL model) {
        return new PromptBudget(model.engineArgs().maxModelLen(), model.config().maxOutputTokens());
    }

    /** Most tokens a prompt's text may have. */
    public int maxPromptTokens() {
        return maxModelLen - maxOutputTokens;
    }

    /**
     * @param what         the prompt, for the message ("the caption prompt")
     * @param promptTokens its length in the model's tokens
     * @throws IllegalArgumentException naming both limits when the prompt cannot fit
     */
    public void check(String what, int promptTokens) {
        if (promptTokens > maxPromptTokens()) {
            throw new IllegalArgumentException(what + " is " + promptTokens + " tokens long, but the model's context holds "
                    + maxModelLen + " tokens (max_model_len), " + maxOutputTokens + " of them kept for the caption "
                    + "(max_output_tokens): the prompt must stay under " + maxPromptTokens() + " tokens, and every "
                    + "window's video needs room too. Shorten the prompt");
        }
    }
}
