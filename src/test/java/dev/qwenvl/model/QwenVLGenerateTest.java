package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stage-1 generation on the engine's one path: the in-flight window, order, errors, logging. */
class QwenVLGenerateTest {

    private FakeEngine engine;
    private QwenVlConfig config;
    private QwenVL model;

    @BeforeEach
    void setUp() {
        engine = new FakeEngine("\u0000");
        config = QwenVlConfig.builder().modelDir(Path.of("/test/model/dir")).modelVariant("qwen").captionBatchSize(4).build();
        model = new QwenVL(config, args -> engine);
        model.setup();
    }

    private static List<String> drafts(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "draft-" + i).collect(Collectors.toList());
    }

    @Test
    void everyInputIsSubmittedOnceInOrderWithTheModelsSampling() {
        List<EngineRequest> videos = Requests.requests(4);
        assertEquals(drafts(0, 4), model.generate(videos, false, 2));
        assertEquals(videos, engine.submitted());
        assertTrue(engine.samplings().stream().allMatch(QwenVlSettings.samplingParams(config)::equals));
    }

    @Test
    void batchSizeBoundsTheRequestsInFlightAndTheWindowFills() {
        List<EngineRequest> videos = Requests.requests(37);
        engine.holdUntil(8);
        assertEquals(drafts(0, 37), model.generate(videos, false, 8));
        assertEquals(videos, engine.submitted());
        assertEquals(8, engine.maxInFlight(), "at most 8 in flight, and the window fills");
    }

    @Test
    void aBatchOfOneRunsOneRequestAtATime() {
        assertEquals(drafts(0, 5), model.generate(Requests.requests(5), false, 1));
        assertEquals(1, engine.maxInFlight());
    }

    @Test
    void defaultOverloadKeepsTheConfiguredBatchSizeInFlightWithoutStage2() {
        engine.holdUntil(4);
        assertEquals(drafts(0, 33), model.generate(Requests.requests(33)));
        assertEquals(4, engine.maxInFlight(), "captionBatchSize(4)");
        assertEquals(33, engine.submitted().size(), "no stage 2");
    }

    @Test
    void defaultOverloadKeepsTheSeedsSixteenInFlightWhenNotConfigured() {
        FakeEngine other = new FakeEngine("\u0000").holdUntil(QwenVL.DEFAULT_BATCH_SIZE);
        QwenVL plain = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").build(), args -> other);
        plain.setup();
        assertEquals(drafts(0, 40), plain.generate(Requests.requests(40)));
        assertEquals(QwenVL.DEFAULT_BATCH_SIZE, other.maxInFlight());
    }

    @Test
    void emptyListReturnsEmptyWithoutTouchingTheEngine() {
        assertEquals(List.of(), model.generate(List.of()));
        assertEquals(List.of(), model.generate(List.of(), true, 3));
        assertEquals(List.of(), engine.submitted());
    }

    @Test
    void engineErrorIsLoggedWithTheInputPositionAndRethrownUnchanged() {
        EngineException boom = new EngineException("Test error");
        engine.thenAnswer("draft-0", "draft-1", boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.DEBUG)) {
            EngineException thrown = assertThrows(EngineException.class, () -> model.generate(Requests.requests(50), false, 2));
            assertSame(boom, thrown);
            List<ILoggingEvent> errors = logs.events(Level.ERROR);
            assertEquals(1, errors.size());
            String msg = errors.get(0).getFormattedMessage();
            assertTrue(msg.contains("input 2 of 50"), msg);
            assertTrue(msg.contains("stage 1"), msg);
            assertTrue(msg.contains("Test error"), msg);
            assertNotNull(errors.get(0).getThrowableProxy(), "the exception is attached to the log event");
            assertEquals(EngineException.class.getName(), errors.get(0).getThrowableProxy().getClassName());
        }
        assertTrue(engine.submitted().size() < 50, "no input is submitted after the failure is seen: "
                + engine.submitted().size());
    }

    @Test
    void anyRuntimeExceptionOfTheEngineIsLoggedAndRethrown() {
        IllegalStateException boom = new IllegalStateException("driver lost");
        engine.throwOnSubmit(boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            assertSame(boom, assertThrows(IllegalStateException.class, () -> model.generate(Requests.requests(1))));
            assertEquals(1, logs.events(Level.ERROR).size());
        }
    }

    @Test
    void aDeadEngineWhoseRequestsNeverFinishDoesNotHoldTheCallerAndItsCauseIsKept() {
        EngineDiedException killed = new EngineDiedException("EngineCore (pid 7) was killed by signal 9 (SIGKILL)",
                "EngineCore", 7, null, "SIGKILL", null);
        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS).execute(() -> engine.die(killed));
        EngineDiedException thrown = assertThrows(EngineDiedException.class,
                () -> model.generate(Requests.requests(100_000), false, 2));
        assertEquals("SIGKILL", thrown.signal().orElse(null));
        assertTrue(thrown.getMessage().contains("signal 9"), thrown.getMessage());
    }

    @Test
    void batchSizeBelowOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.generate(Requests.requests(1), false, 0));
        assertTrue(e.getMessage().contains("batchSize must be at least 1, got 0"));
        assertEquals(List.of(), engine.submitted());
    }

    @Test
    void nullInputIsRejectedNamingItsIndex() {
        List<EngineRequest> videos = new java.util.ArrayList<>(Requests.requests(3));
        videos.set(1, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.generate(videos));
        assertTrue(e.getMessage().contains("videos[1]"), e.getMessage());
        assertEquals(List.of(), engine.submitted());
    }

    private static List<ILoggingEvent> progress(LogCapture logs) {
        return logs.events().stream().filter(e -> e.getFormattedMessage().startsWith("Input ")
                && e.getFormattedMessage().contains("captioned")).collect(Collectors.toList());
    }

    @Test
    void perInputProgressIsDebugWhenNotVerbose() {
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.DEBUG)) {
            model.generate(Requests.requests(3), false, 2);
            List<ILoggingEvent> progress = progress(logs);
            assertEquals(3, progress.size());
            assertTrue(progress.stream().allMatch(e -> e.getLevel() == Level.DEBUG));
            assertTrue(progress.stream().anyMatch(e -> e.getFormattedMessage()
                    .equals("Input 2 of 3 captioned (stage 1; at most 2 in flight)")), progress.toString());
        }
    }

    @Test
    void perInputProgressIsInfoWhenVerbose() {
        QwenVL verbose = new QwenVL(config.toBuilder().verbose(true).build(), args -> engine);
        verbose.setup();
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.INFO)) {
            verbose.generate(Requests.requests(3), false, 2);
            List<ILoggingEvent> progress = progress(logs);
            assertEquals(3, progress.size());
            assertTrue(progress.stream().allMatch(e -> e.getLevel() == Level.INFO));
        }
    }

    @Test
    void returnedListIsUnmodifiable() {
        List<String> captions = model.generate(Requests.requests(2));
        assertThrows(UnsupportedOperationException.class, () -> captions.add("x"));
    }
}
