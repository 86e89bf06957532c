package dev.qwenvl.engine;

/**
 * One request's completion with vLLM's token counts.
 *
 * @param text         the generated text
 * @param promptTokens tokens of the prompt as the engine saw it, video tokens included
 * @param outputTokens generated tokens
 */
public record Generation(String text, int promptTokens, int outputTokens) {}
