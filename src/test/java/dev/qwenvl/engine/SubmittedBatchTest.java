package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SubmittedBatchTest {
    private static final SamplingParams SAMPLING = new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), null);

    /** An engine whose i-th submitted request gets the i-th prepared future. */
    private static LlmEngine engine(List<CompletableFuture<Generation>> answers, List<EngineRequest> seen) {
        return new LlmEngine() {

            @Override
            public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                seen.add(request);
                return answers.get(seen.size() - 1);
            }

            @Override
            public void close() {}
        };
    }

    private static List<EngineRequest> requests(int n) {
        List<EngineRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new EngineRequest("p" + i, new OpaqueVideo(i)));
        }
        return out;
    }

    @Test
    void everyRequestIsSubmittedBeforeAnyWaitAndTextsComeBackInRequestOrder() {
        CompletableFuture<Generation> a = new CompletableFuture<>();
        CompletableFuture<Generation> b = CompletableFuture.completedFuture(Generation.ofText("b"));
        List<EngineRequest> seen = new ArrayList<>();
        List<EngineRequest> batch = requests(2);
        CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> {
            if (seen.size() == 2) {
                a.complete(Generation.ofText("a"));
            } else {
                a.complete(Generation.ofText("only " + seen.size() + " submitted while the first still ran"));
            }
        });
        assertEquals(List.of("a", "b"), SubmittedBatch.generate(engine(List.of(a, b), seen), batch, SAMPLING, "test engine"));
        assertEquals(batch, seen);
    }

    @Test
    void theFirstFailureInRequestOrderIsThrownAfterEveryRequestEnded() {
        EngineException first = new EngineException("refused request 1");
        CompletableFuture<Generation> third = new CompletableFuture<>();
        List<CompletableFuture<Generation>> answers = List.of(CompletableFuture.completedFuture(Generation.ofText("ok")),
                CompletableFuture.failedFuture(first), third);
        CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> third.completeExceptionally(new EngineException("refused request 2")));
        EngineException thrown = assertThrows(EngineException.class,
                () -> SubmittedBatch.generate(engine(answers, new ArrayList<>()), requests(3), SAMPLING, "test engine"));
        assertEquals(first, thrown);
        assertTrue(third.isDone(), "the batch waited for the last request before throwing");
    }

    @Test
    void aDeathIsReportedAgainForTheBatchAndAnyOtherThrowableBecomesAnEngineException() {
        EngineDiedException died = new EngineDiedException("core gone", "EngineCore", 7, null, "SIGKILL", null);
        EngineDiedException again = assertThrows(EngineDiedException.class, () -> SubmittedBatch.generate(
                engine(List.of(CompletableFuture.failedFuture(died)), new ArrayList<>()), requests(1), SAMPLING, "pool X"));
        assertTrue(again.getMessage().contains("pool X"), again.getMessage());

        Exception checked = new Exception("checked");
        EngineException wrapped = assertThrows(EngineException.class, () -> SubmittedBatch.generate(
                engine(List.of(CompletableFuture.failedFuture(checked)), new ArrayList<>()), requests(1), SAMPLING, "pool X"));
        assertInstanceOf(Exception.class, wrapped.getCause());
        assertEquals(checked, wrapped.getCause());
    }

    @Test
    void aDeadEngineWhoseFuturesNeverCompleteDoesNotHoldTheCaller() {
        CompletableFuture<Generation> never = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();
        LlmEngine engine = new LlmEngine() {

            @Override
            public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                return never;
            }

            @Override
            public boolean isDead() {
                return dead.get();
            }

            @Override
            public void close() {}
        };
        CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> dead.set(true));
        EngineDiedException thrown = assertThrows(EngineDiedException.class,
                () -> SubmittedBatch.generate(engine, requests(1), SAMPLING, "engine Y"));
        assertTrue(thrown.getMessage().contains("engine Y"), thrown.getMessage());
        assertTrue(never.isCancelled(), "the open request is given up");
    }

    @Test
    void aDeadEngineGivesUpItsOpenRequestsWithItsOwnDeathAndCause() {
        CompletableFuture<Generation> never = new CompletableFuture<>();
        EngineDiedException killed = new EngineDiedException("EngineCore (pid 9) was killed by signal 9 (SIGKILL)",
                "EngineCore", 9, null, "SIGKILL", null);
        java.util.concurrent.atomic.AtomicReference<EngineDiedException> death = new java.util.concurrent.atomic.AtomicReference<>();
        LlmEngine engine = new LlmEngine() {
            @Override
            public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                return never;
            }

            @Override
            public java.util.Optional<EngineDiedException> death() {
                return java.util.Optional.ofNullable(death.get());
            }

            @Override
            public void close() {}
        };
        CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> death.set(killed));
        EngineDiedException thrown = assertThrows(EngineDiedException.class,
                () -> SubmittedBatch.generate(engine, requests(1), SAMPLING, "engine Z"));
        assertTrue(thrown.getMessage().contains("engine Z") && thrown.getMessage().contains("signal 9"), thrown.getMessage());
        assertEquals("SIGKILL", thrown.signal().orElse(null));
        assertEquals(9, thrown.pid());
        assertSame(killed, thrown.getCause(), "the engine's own death is the cause");
        assertTrue(engine.isDead(), "isDead() follows death()");
    }

    @Test
    void anEmptyBatchIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> SubmittedBatch.generate(engine(List.of(), new ArrayList<>()), List.of(), SAMPLING, "test engine"));
    }
}
