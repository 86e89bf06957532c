package dev.qwenvl.model;

import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written engine for QwenVL's tests: records every submitted request and its sampling in
 * submit order, answers each a few milliseconds later on another thread (so that requests
 * overlap, as on a real engine), and counts the most requests it held at once; {@link #holdUntil}
 * makes it hold answers until that many requests are in flight (or 500 ms passed), so that a test
 * of the in-flight window does not depend on timing. By default it
 * answers with {@link Requests#answer} ("refined-ID" for prompts holding the stage-2 marker,
 * "draft-ID" otherwise); {@link #thenAnswer} queues answers instead, one per submit: a String is
 * the caption, a {@link Generation} the caption with its facts, a RuntimeException fails the request.
 */
final class FakeEngine implements LlmEngine {
    private static final Executor LATER = CompletableFuture.delayedExecutor(2, TimeUnit.MILLISECONDS);

    private final String stage2Marker;
    private final List<EngineRequest> submitted = new ArrayList<>();
    private final List<SamplingParams> samplings = new ArrayList<>();
    private final Deque<Object> queued = new ArrayDeque<>();
    private static final Executor FALLBACK = CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS);

    private final List<Runnable> held = new ArrayList<>();
    private int holdUntil = 1;
    private int inFlight;
    private int maxInFlight;
    private RuntimeException throwOnSubmit;
    private volatile EngineDiedException death;
    private volatile boolean closed;

    FakeEngine(String stage2Marker) {
        this.stage2Marker = stage2Marker;
    }

    /** Queues the answers of the next submits, in order (String: caption; Generation: caption with facts; RuntimeException: failure). */
    synchronized FakeEngine thenAnswer(Object... answers) {
        queued.addAll(List.of(answers));
        return this;
    }

    /** Holds answers until {@code n} requests are in flight at once (each at most 500 ms). */
    synchronized FakeEngine holdUntil(int n) {
        holdUntil = n;
        return this;
    }

    /** Every later submit throws {@code e} on the caller's thread (an engine that breaks on submit). */
    synchronized FakeEngine throwOnSubmit(RuntimeException e) {
        throwOnSubmit = e;
        return this;
    }

    /** The engine's process "dies": {@link #death()} returns {@code e}; open requests never finish. */
    void die(EngineDiedException e) {
        death = e;
    }

    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        Object answer;
        CompletableFuture<Generation> out = new CompletableFuture<>();
        List<Runnable> release = List.of();
        synchronized (this) {
            if (throwOnSubmit != null) {
                throw throwOnSubmit;
            }
            submitted.add(request);
            samplings.add(sampling);
            answer = queued.isEmpty() ? Requests.answer(List.of(request), stage2Marker).get(0) : queued.poll();
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            if (death != null) {
                return out; // a dead engine whose futures never complete
            }
            Runnable answerIt = () -> answer(out, answer);
            held.add(answerIt);
            if (held.size() >= holdUntil) {
                release = List.copyOf(held);
                held.clear();
            } else {
                FALLBACK.execute(() -> {
                    synchronized (this) {
                        if (!held.remove(answerIt)) {
                            return;
                        }
                    }
                    answerIt.run();
                });
            }
        }
        release.forEach(LATER::execute);
        return out;
    }

    private void answer(CompletableFuture<Generation> out, Object answer) {
        synchronized (this) {
            inFlight--;
        }
        if (answer instanceof RuntimeException e) {
            out.completeExceptionally(e);
        } else {
            out.complete(answer instanceof Generation g ? g : Generation.ofText((String) answer));
        }
    }

    synchronized List<EngineRequest> submitted() {
        return List.copyOf(submitted);
    }

    synchronized List<SamplingParams> samplings() {
        return List.copyOf(samplings);
    }

    /** The most requests submitted and not yet answered at one time. */
    synchronized int maxInFlight() {
        return maxInFlight;
    }

    @Override
    public Optional<EngineDiedException> death() {
        return Optional.ofNullable(death);
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
