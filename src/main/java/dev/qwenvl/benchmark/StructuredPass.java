package dev.qwenvl.benchmark;

/**
 * The second pass of a benchmark run with a caption schema: the same clips on the same engine, with
 * decoding constrained to the schema (vLLM's structured outputs), so that its figures and the free-text
 * pass's come from one run. A constrained request ends when its JSON closes (no {@code ignore_eos}),
 * so compare output tokens/s for the per-token cost of the grammar and windows/s for what a user sees.
 *
 * @param schema         which schema (its file)
 * @param windows        windows whose caption parsed and validated
 * @param invalidVideos  videos with a caption that did not parse or validate (most often cut at the
 *                       output token limit: raise {@code --max-output-tokens})
 * @param seconds        the pass's wall time
 * @param outputTokens   generated tokens
 */
public record StructuredPass(String schema, int windows, int invalidVideos, double seconds, long outputTokens) {

    /** Valid windows per second. */
    public double windowsPerSecond() {
        return seconds > 0 ? windows / seconds : 0;
    }

    public double outputTokensPerSecond() {
        return seconds > 0 ? outputTokens / seconds : 0;
    }
}
