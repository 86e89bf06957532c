package dev.qwenvl.prompt;

import java.util.Objects;

/**
 * Outcome of one stage-2 prompt rewrite.
 *
 * @param prompt    the prompt to send in stage 2; the original prompt when {@code rewritten} is false
 * @param rewritten whether the stage-1 caption was placed into the prompt
 * @param method    how the prompt was rewritten ({@link Method#NONE} when it was not)
 * @param reason    why no rewrite applied, or {@code null} when one did
 */
public record Stage2Rewrite(String prompt, boolean rewritten, Method method, String reason) {

    /** Which rule rewrote the prompt. */
    public enum Method {
        /** The literal {@code user_prompt} placeholder was replaced (the seed's pattern). */
        PLACEHOLDER,
        /** The text of the last user turn of a chat-templated prompt was replaced. */
        USER_TURN,
        /** Nothing was replaced. */
        NONE
    }

    public Stage2Rewrite {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(method, "method");
        if (rewritten == (method == Method.NONE)) {
            throw new IllegalArgumentException("rewritten=" + rewritten + " contradicts method " + method);
        }
        if (!rewritten && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a prompt that was not rewritten needs a reason");
        }
    }

    static Stage2Rewrite applied(String prompt, Method method) {
        return new Stage2Rewrite(prompt, true, method, null);
    }

    static Stage2Rewrite unchanged(String prompt, String reason) {
        return new Stage2Rewrite(prompt, false, Method.NONE, reason);
    }
}
