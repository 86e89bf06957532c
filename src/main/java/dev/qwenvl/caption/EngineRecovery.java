package dev.qwenvl.caption;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.Caption;
import dev.qwenvl.model.QwenVL;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restart policy of one stream: submits windows to the model, and when the engine's process
 * dies, restarts it (at most {@link StreamSettings#engineRestarts()} times per stream) and submits
 * again every request that was in flight at the death. A request is submitted again at most once:
 * a request in flight at two deaths fails with the second {@link EngineDiedException}, so an input
 * that kills the engine cannot loop. When no restart is left, or the restart fails, the requests
 * fail with the death. The caller keeps a request's frames open until its future completes, which
 * covers the second submission too.
 *
 * <p>The restart and the second submissions run on this object's own thread, never on the
 * engine's completion thread. Every death is logged once, at WARN, with its cause.
 */
final class EngineRecovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineRecovery.class);

    private final QwenVL model;
    private final boolean stage2;
    private final CaptionSchema schema;
    private final int maxRestarts;
    /** Submits hold the read lock, a restart the write lock: a submit knows which engine it reached. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "qwenvl-engine-recovery");
        t.setDaemon(true);
        return t;
    });
    /** Which engine requests go to: +1 per restart. Written under the write lock. */
    private volatile int generation;
    /** Requests submitted a second time after a restart. */
    private final java.util.concurrent.atomic.AtomicInteger resubmitted = new java.util.concurrent.atomic.AtomicInteger();

    EngineRecovery(QwenVL model, boolean stage2, int maxRestarts) {
        this(model, stage2, maxRestarts, null);
    }

    /** With {@code schema} (null: free text), every caption is constrained to it and checked against it ({@link CaptionSchema#check}). */
    EngineRecovery(QwenVL model, boolean stage2, int maxRestarts, CaptionSchema schema) {
        this.schema = schema;
        this.model = model;
        this.stage2 = stage2;
        this.maxRestarts = maxRestarts;
    }

    /** The death not recovered from (no restart left, or the restart failed), or null while the engine can be used. */
    private volatile EngineDiedException lostTo;

    /** True once a death was not recovered from (no restart left, or the restart failed): the engine is gone. */
    boolean gaveUp() {
        return lostTo != null;
    }

    /** The death this stream did not recover from, or null. */
    EngineDiedException lostTo() {
        return lostTo;
    }

    /** How many times this stream restarted the engine. */
    int restarts() {
        return generation;
    }

    /**
     * Submits {@code request}; the future completes with its caption and its facts, or fails with the engine's
     * exception for this request (an {@link EngineDiedException} once recovery is over for it).
     */
    CompletableFuture<Caption> submit(EngineRequest request) {
        CompletableFuture<Caption> result = new CompletableFuture<>();
        attempt(request, result, false);
        return result;
    }

    private void attempt(EngineRequest request, CompletableFuture<Caption> result, boolean again) {
        CompletableFuture<Caption> caption;
        lock.readLock().lock();
        int engine = generation;
        int startsAtSubmit = model.engineStarts();
        try {
            caption = model.submitCaption(request, stage2, schema == null ? null : schema.output());
        } catch (RuntimeException e) {
            caption = CompletableFuture.failedFuture(e);
        } finally {
            lock.readLock().unlock();
        }
        caption.whenComplete((made, error) -> {
            if (error == null) {
                try {
                    result.complete(schema == null ? made : new Caption(made.generation().withText(schema.check(made.text())),
                            made.stage(), made.stage1(), made.maxOutputTokens()));
                } catch (StructuredCaptionException invalid) { // an error row with its reason, never a silent string
                    result.completeExceptionally(invalid);
                }
                return;
            }
            Throwable cause = unwrap(error);
            if (!(cause instanceof EngineDiedException died) || again) {
                result.completeExceptionally(cause);
                return;
            }
            try {
                worker.execute(() -> {
                    if (recover(engine, startsAtSubmit, died)) {
                        resubmitted.incrementAndGet();
                        attempt(request, result, true);
                    } else {
                        result.completeExceptionally(died);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                result.completeExceptionally(died);
            }
        });
    }

    /**
     * Makes sure the engine that died under {@code engine} was replaced: restarts it unless that
     * happened already. True when the request may be submitted again.
     */
    private boolean recover(int engine, int startsAtSubmit, EngineDiedException died) {
        lock.writeLock().lock();
        try {
            if (generation > engine) {
                return true; // restarted already, for another request of the same death
            }
            if (lostTo != null) {
                return false;
            }
            if (generation >= maxRestarts) {
                lostTo = died;
                LOG.warn("The engine died ({}); not restarting it ({} restart{} per stream, used): the requests it held "
                        + "fail with ENGINE_DIED", died.getMessage(), maxRestarts, maxRestarts == 1 ? "" : "s");
                return false;
            }
            LOG.warn("The engine died ({}); restarting it (restart {} of {} for this stream) and submitting again the "
                    + "requests it held", died.getMessage(), generation + 1, maxRestarts);
            try {
                replace(startsAtSubmit);
            } catch (RuntimeException e) {
                lostTo = died;
                LOG.error("The engine died ({}) and could not be restarted: {}; the requests it held fail with ENGINE_DIED",
                        died.getMessage(), e.toString(), e);
                return false;
            }
            generation++;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Replaces the engine that was the model's when the failed request was submitted (the model had
     * started {@code startsAtSubmit} engines then), unless that happened already (another stream on
     * the same model restarted it). An engine's request stream fails its requests with the death
     * before the engine records it, so the model may not report the death yet: this waits for it
     * (at most {@value #DEATH_RECORD_WAIT_SECONDS} s) rather than take the dead engine for a live one
     * and submit the requests to it again.
     */
    private void replace(int startsAtSubmit) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(DEATH_RECORD_WAIT_SECONDS);
        while (model.engineStarts() == startsAtSubmit) {
            try {
                if (model.restartIfDead()) {
                    return;
                }
            } catch (dev.qwenvl.model.ModelStateException notStarted) {
                model.setup(); // no engine (an earlier restart failed): start one; a closed model throws again
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new dev.qwenvl.engine.EngineException("a request failed with the engine's death but the engine did "
                        + "not report itself dead within " + DEATH_RECORD_WAIT_SECONDS + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.qwenvl.engine.EngineException("interrupted while restarting the engine", e);
            }
        }
    }

    /** The longest a restart waits for a dead engine to report its death (see {@link #replace}). */
    static final int DEATH_RECORD_WAIT_SECONDS = 10;

    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Stops the recovery thread; a death reported after this fails its requests without a restart. */
    @Override
    public void close() {
        worker.shutdown();
        if (generation > 0) {
            LOG.info("This stream restarted the engine {} time{} and submitted {} request{} again",
                    generation, generation == 1 ? "" : "s", resubmitted.get(), resubmitted.get() == 1 ? "" : "s");
        }
    }

    /** Requests this stream submitted a second time after a restart. */
    int resubmitted() {
        return resubmitted.get();
    }
}
