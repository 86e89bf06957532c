package dev.qwenvl.engine;

import java.util.Objects;

/**
 * The text side of one engine request: either an instruction that the engine puts into the model
 * family's chat template as the last step ({@link Instruction}), or a prompt the caller already
 * wrote in the model's template ({@link Templated}).
 *
 * <p>Engines apply the template themselves: the embedded vLLM engine formats an instruction with
 * the Qwen chat layout just before it calls Python; an OpenAI-compatible server receives the
 * instruction as a chat message and applies the model's template on its side.
 *
 * <p>Text with an unpaired UTF-16 surrogate is refused here, when the request is built, with a
 * {@link PromptTextException} that gives its position: every path (Java API, CLI, Spark, HTTP
 * engine) builds its requests through these records, so all refuse it the same way.
 */
public sealed interface ChatPrompt {

    /**
     * Plain instruction text (any characters; engines neutralise chat control tokens in it).
     *
     * @param text          the instruction the video is captioned with
     * @param systemMessage the chat's system turn, or {@code null} for a family whose template has
     *                      no default system turn (Qwen3-VL); from the model family description
     */
    record Instruction(String text, String systemMessage) implements ChatPrompt {
        /**
         * @throws PromptTextException when the text or the system message holds an unpaired surrogate
         */
        public Instruction {
            PromptTextException.requireWellFormed("instruction", Objects.requireNonNull(text, "text"));
            if (systemMessage != null) {
                PromptTextException.requireWellFormed("system message", systemMessage);
            }
        }

        /** The same system turn with another instruction (stage 2 sends the caption back this way). */
        public Instruction withText(String newText) {
            return new Instruction(newText, systemMessage);
        }
    }

    /**
     * A prompt the caller wrote in the model's chat template (video block included), sent as is.
     * Engines that only speak chat messages (the HTTP engine) refuse it.
     */
    record Templated(String text) implements ChatPrompt {
        /** @throws PromptTextException when the text holds an unpaired surrogate */
        public Templated {
            PromptTextException.requireWellFormed("templated prompt", Objects.requireNonNull(text, "text"));
        }
    }
}
