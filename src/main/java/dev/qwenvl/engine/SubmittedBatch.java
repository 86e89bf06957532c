package dev.qwenvl.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LlmEngine#generate} over {@link LlmEngine#submit}, the engine's one primitive: every
 * request is submitted at once, the texts come back in request order, and the first failure in
 * request order is thrown (later ones are logged). Futures complete through the engine's own
 * timeouts and death handling; as a backstop, every wait ({@link #await}) asks
 * {@link EngineDeaths#of} every {@link EngineDeaths#LIVENESS_CHECK_MILLIS} ms whether the engine
 * died and then gives up on the requests still open with the engine's own
 * {@link EngineDiedException} (its cause kept), so a dead engine never holds its caller. Waiting
 * is interruptible.
 */
public final class SubmittedBatch {
    private static final Logger LOG = LoggerFactory.getLogger(SubmittedBatch.class);

    private SubmittedBatch() {}

    /**
     * @param engine   the engine whose {@link LlmEngine#submit} runs each request
     * @param what     names the engine in errors, e.g. "the engine pool for /models/x"
     * @throws IllegalArgumentException for an empty list
     * @throws EngineDiedException      when the engine died (reported again for this batch)
     * @throws EngineException          the first other failure in request order
     */
    public static List<String> generate(LlmEngine engine, List<EngineRequest> requests, SamplingParams sampling,
                                        String what) {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(sampling, "sampling");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("an engine call needs at least one request");
        }
        List<CompletableFuture<Generation>> futures = new ArrayList<>(requests.size());
        for (EngineRequest r : requests) {
            futures.add(engine.submit(r, sampling));
        }
        List<String> texts = new ArrayList<>(requests.size());
        RuntimeException first = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                texts.add(await(engine, futures.get(i), "request " + i + " of a batch of " + requests.size() + " on " + what)
                        .text());
            } catch (EngineDiedException died) {
                futures.forEach(f -> f.cancel(true));
                throw died;
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while waiting for a batch of " + requests.size() + " requests on "
                        + what, e);
            } catch (ExecutionException | CancellationException e) {
                RuntimeException failure = asEngineFailure(cause(e), requests.size(), what);
                if (first == null) {
                    first = failure;
                } else {
                    LOG.warn("Request {} of a batch of {} on {} failed too: {}", i, requests.size(), what,
                            failure.getMessage());
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return texts;
    }

    /**
     * The future's value, waiting as long as the engine lives: every
     * {@link EngineDeaths#LIVENESS_CHECK_MILLIS} ms the wait asks {@link EngineDeaths#of}; once
     * the engine died, throws its death again ({@link EngineDiedException#again}, the cause kept),
     * naming {@code what} was still open.
     *
     * @throws ExecutionException   the future's own failure
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public static <T> T await(LlmEngine engine, CompletableFuture<T> future, String what)
            throws InterruptedException, ExecutionException {
        while (true) {
            try {
                return future.get(EngineDeaths.LIVENESS_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                Optional<EngineDiedException> death = EngineDeaths.of(engine);
                if (death.isPresent()) {
                    throw death.get().again(what + " was still open when the engine died; start a new engine "
                            + "(QwenVL.setup() does)");
                }
            }
        }
    }

    /** The failure inside the wrappers of {@link CompletableFuture}. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static RuntimeException asEngineFailure(Throwable cause, int size, String what) {
        if (cause instanceof EngineDiedException died) {
            return died.again("a batch of " + size + " requests on " + what + " failed");
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new EngineException("a batch of " + size + " requests on " + what + " failed: " + cause, cause);
    }
}
