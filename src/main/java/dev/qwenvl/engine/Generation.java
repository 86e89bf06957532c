package dev.qwenvl.engine;

import java.util.Objects;

/**
 * One request's completion as the engine reports it: the text and the facts of how it was made.
 * What an engine does not report is {@code null} (never 0): a fake engine reports only the text,
 * the HTTP engine reports no times.
 *
 * @param text         the generated text
 * @param finishReason why the engine stopped: {@code "stop"} (end of sequence or a stop token),
 *                     {@code "length"} (the output reached {@code max_tokens}, or the context
 *                     was full), or another reason the engine names; {@code null} when unknown
 * @param promptTokens tokens of the prompt as the engine saw it, video tokens included; {@code null} when unknown
 * @param outputTokens generated tokens; {@code null} when unknown
 * @param timings      the engine's times for the request ({@link EngineTimings#NONE} when it reports none)
 */
public record Generation(String text, String finishReason, Integer promptTokens, Integer outputTokens,
                         EngineTimings timings) {

    /** The finish reason of an output cut at its token limit (vLLM's and OpenAI's name). */
    public static final String LENGTH = "length";

    public Generation {
        Objects.requireNonNull(text, "text");
        timings = timings == null ? EngineTimings.NONE : timings;
    }

    /** A completion of which only the text is known. */
    public static Generation ofText(String text) {
        return new Generation(text, null, null, null, EngineTimings.NONE);
    }

    /**
     * True exactly when the output hit the limit it ran under: the finish reason is
     * {@code "length"} and the output has {@code maxOutputTokens} tokens. False when either is
     * unknown, and when the output stopped at a full context below the limit.
     */
    public boolean truncatedAt(int maxOutputTokens) {
        return LENGTH.equals(finishReason) && outputTokens != null && outputTokens == maxOutputTokens;
    }

    /** The same facts with another text. */
    public Generation withText(String newText) {
        return new Generation(newText, finishReason, promptTokens, outputTokens, timings);
    }
}
