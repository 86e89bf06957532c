package dev.qwenvl.engine;

/**
 * What an engine's request stream has done so far (see {@link LlmEngine#submit}).
 *
 * @param held      requests the engine holds now (queued or running)
 * @param steps     engine steps that ran with work
 * @param batched   the sum of the running batch sizes over those steps
 * @param submitted requests submitted
 * @param finished  requests answered (captions and failures)
 */
public record StreamStats(long held, long steps, long batched, long submitted, long finished) {
    /** An engine without a stream, or one that has not streamed yet. */
    public static final StreamStats NONE = new StreamStats(0, 0, 0, 0, 0);

    /** The mean number of requests per engine step (0 before the first step). */
    public double meanBatchSize() {
        return steps == 0 ? 0 : (double) batched / steps;
    }
}
