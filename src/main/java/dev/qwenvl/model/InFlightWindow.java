package dev.qwenvl.model;

import dev.qwenvl.engine.EngineDeaths;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SubmittedBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * {@link QwenVL#generate(List, boolean, int)} on the engine's one path: the inputs go through
 * {@link TwoStage#submit} in order, at most {@code batchSize} of them submitted and unfinished at
 * a time (the next one is submitted as soon as one finishes, stage 2 included), and the captions
 * come back in input order. After a failure no further input is submitted; the first failure in
 * input order is logged at ERROR with the input's position and stage and rethrown unchanged.
 * Every wait (for a free place, for a caption) asks {@link EngineDeaths#of} every
 * {@link EngineDeaths#LIVENESS_CHECK_MILLIS} ms, so a dead engine never holds the caller.
 */
final class InFlightWindow {
    private static final Logger LOG = LoggerFactory.getLogger(QwenVL.class);

    private final LlmEngine engine;
    private final TwoStage twoStage;
    private final Level progressLevel;

    InFlightWindow(LlmEngine engine, TwoStage twoStage, Level progressLevel) {
        this.engine = engine;
        this.twoStage = twoStage;
        this.progressLevel = progressLevel;
    }

    /** One input on its way: its caption and the stage it has reached. */
    private record Pending(CompletableFuture<Caption> caption, AtomicInteger stage) {}

    List<Caption> run(List<EngineRequest> videos, boolean stage2, int batchSize) {
        int total = videos.size();
        Semaphore places = new Semaphore(batchSize);
        AtomicBoolean failed = new AtomicBoolean();
        List<Pending> pending = new ArrayList<>(total);
        try {
            for (int i = 0; i < total && !failed.get(); i++) {
                if (!acquire(places, failed, "input " + i + " of " + total)) {
                    break;
                }
                if (failed.get()) {
                    places.release();
                    break;
                }
                AtomicInteger stage = new AtomicInteger(1);
                CompletableFuture<Caption> caption;
                try {
                    caption = twoStage.submit(engine, videos.get(i), stage2, "Input " + i + " of " + total, stage::set);
                } catch (RuntimeException e) {
                    caption = CompletableFuture.failedFuture(e);
                }
                caption.whenComplete((text, error) -> {
                    if (error != null) {
                        failed.set(true);
                    }
                    places.release();
                });
                pending.add(new Pending(caption, stage));
            }
            List<Caption> captions = new ArrayList<>(total);
            for (int i = 0; i < pending.size(); i++) {
                captions.add(await(pending.get(i), i, total, batchSize));
            }
            return Collections.unmodifiableList(captions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while captioning " + total + " inputs", e);
        } finally {
            pending.forEach(p -> p.caption().cancel(true)); // no-op for finished ones; gives up the rest
        }
    }

    /** Waits for a free place while the engine lives; false (no place taken) once an input failed. */
    private boolean acquire(Semaphore places, AtomicBoolean failed, String what) throws InterruptedException {
        while (!places.tryAcquire(EngineDeaths.LIVENESS_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            if (failed.get()) {
                return false;
            }
            Optional<EngineDiedException> death = EngineDeaths.of(engine);
            if (death.isPresent()) {
                throw logged(death.get().again(what + " could not be submitted: the engine died"), what, 1);
            }
        }
        return true;
    }

    private Caption await(Pending p, int position, int total, int batchSize) throws InterruptedException {
        String what = "input " + position + " of " + total;
        try {
            Caption caption = SubmittedBatch.await(engine, p.caption(), what);
            LOG.atLevel(progressLevel).log("Input {} of {} captioned (stage {}; at most {} in flight)", position, total,
                    p.stage().get(), batchSize);
            return caption;
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = SubmittedBatch.cause(e);
            throw logged(cause instanceof RuntimeException r ? r
                    : new EngineException("caption generation failed for " + what + ": " + cause, cause), what,
                    p.stage().get());
        } catch (EngineDiedException died) { // the engine died with this input still open
            throw logged(died, what, p.stage().get());
        }
    }

    private static RuntimeException logged(RuntimeException e, String what, int stage) {
        LOG.error("Caption generation failed for {} at stage {}: {}", what, stage, e.toString(), e);
        return e;
    }
}
