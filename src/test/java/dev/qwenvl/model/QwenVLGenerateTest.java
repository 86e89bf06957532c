package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** Stage-1 generation: chunking, order, errors, logging. */
class QwenVLGenerateTest {

    private LlmEngine engine;
    private QwenVlConfig config;
    private QwenVL model;

    @BeforeEach
    void setUp() {
        engine = mock(LlmEngine.class);
        LlmEngineFactory factory = mock(LlmEngineFactory.class);
        when(factory.start(any())).thenReturn(engine);
        when(engine.generate(anyList(), any())).thenAnswer(inv -> Requests.answer(inv.getArgument(0), "\u0000"));
        config = QwenVlConfig.builder().modelDir(Path.of("/test/model/dir")).modelVariant("qwen").captionBatchSize(4).build();
        model = new QwenVL(config, factory);
        model.setup();
    }

    @SuppressWarnings("unchecked")
    private List<List<EngineRequest>> engineBatches(int calls) {
        ArgumentCaptor<List<EngineRequest>> captor = ArgumentCaptor.forClass(List.class);
        verify(engine, times(calls)).generate(captor.capture(), eq(QwenVlSettings.samplingParams(config)));
        return captor.getAllValues();
    }

    private static List<String> drafts(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "draft-" + i).collect(Collectors.toList());
    }

    @Test
    void fourVideosInChunksOfTwoMakeTwoEngineCallsWithTheRightSublistsInOrder() {
        List<EngineRequest> videos = Requests.requests(4);
        List<String> captions = model.generate(videos, false, 2);
        assertEquals(drafts(0, 4), captions);
        List<List<EngineRequest>> batches = engineBatches(2);
        assertEquals(videos.subList(0, 2), batches.get(0));
        assertEquals(videos.subList(2, 4), batches.get(1));
    }

    @Test
    void thirtySevenInputsInChunksOfEightMakeFiveCalls() {
        List<EngineRequest> videos = Requests.requests(37);
        assertEquals(drafts(0, 37), model.generate(videos, false, 8));
        List<List<EngineRequest>> batches = engineBatches(5);
        assertEquals(List.of(8, 8, 8, 8, 5), batches.stream().map(List::size).collect(Collectors.toList()));
        assertEquals(videos, batches.stream().flatMap(List::stream).collect(Collectors.toList()));
    }

    @Test
    void defaultOverloadUsesChunksOfSixteenWithoutStage2() {
        assertEquals(drafts(0, 33), model.generate(Requests.requests(33)));
        List<List<EngineRequest>> batches = engineBatches(3);
        assertEquals(List.of(16, 16, 1), batches.stream().map(List::size).collect(Collectors.toList()));
    }

    @Test
    void oneChunkWhenTheBatchIsLargerThanTheInput() {
        List<EngineRequest> videos = Requests.requests(2);
        assertEquals(drafts(0, 2), model.generate(videos, false, 16));
        assertEquals(List.of(videos), engineBatches(1));
    }

    @Test
    void emptyListReturnsEmptyWithoutTouchingTheEngine() {
        assertEquals(List.of(), model.generate(List.of()));
        assertEquals(List.of(), model.generate(List.of(), true, 3));
        verifyNoInteractions(engine);
    }

    @Test
    void engineErrorIsLoggedWithTheChunkPositionAndRethrownUnchanged() {
        EngineException boom = new EngineException("Test error");
        when(engine.generate(anyList(), any()))
                .thenAnswer(inv -> Requests.answer(inv.getArgument(0), "\u0000"))
                .thenThrow(boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.DEBUG)) {
            EngineException thrown = assertThrows(EngineException.class, () -> model.generate(Requests.requests(5), false, 2));
            assertSame(boom, thrown);
            List<ILoggingEvent> errors = logs.events(Level.ERROR);
            assertEquals(1, errors.size());
            String msg = errors.get(0).getFormattedMessage();
            assertTrue(msg.contains("chunk 1 of 3"), msg);
            assertTrue(msg.contains("inputs 2 to 3 of 5"), msg);
            assertTrue(msg.contains("stage 1"), msg);
            assertTrue(msg.contains("Test error"), msg);
            assertNotNull(errors.get(0).getThrowableProxy(), "the exception is attached to the log event");
            assertEquals(EngineException.class.getName(), errors.get(0).getThrowableProxy().getClassName());
        }
        engineBatches(2); // the third chunk is never sent
    }

    @Test
    void anyRuntimeExceptionOfTheEngineIsLoggedAndRethrown() {
        IllegalStateException boom = new IllegalStateException("driver lost");
        when(engine.generate(anyList(), any())).thenThrow(boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            assertSame(boom, assertThrows(IllegalStateException.class, () -> model.generate(Requests.requests(1))));
            assertEquals(1, logs.events(Level.ERROR).size());
        }
    }

    @Test
    void engineAnsweringTheWrongNumberOfCaptionsIsAnEngineError() {
        when(engine.generate(anyList(), any())).thenReturn(List.of("only one"));
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            EngineException e = assertThrows(EngineException.class, () -> model.generate(Requests.requests(3), false, 3));
            assertTrue(e.getMessage().contains("1 captions for 3 requests"), e.getMessage());
            assertEquals(1, logs.events(Level.ERROR).size());
        }
    }

    @Test
    void batchSizeBelowOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.generate(Requests.requests(1), false, 0));
        assertTrue(e.getMessage().contains("batchSize must be at least 1, got 0"));
        verifyNoInteractions(engine);
    }

    @Test
    void nullInputIsRejectedNamingItsIndex() {
        List<EngineRequest> videos = new java.util.ArrayList<>(Requests.requests(3));
        videos.set(1, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.generate(videos));
        assertTrue(e.getMessage().contains("videos[1]"), e.getMessage());
        verifyNoInteractions(engine);
    }

    @Test
    void perChunkProgressIsDebugWhenNotVerbose() {
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.DEBUG)) {
            model.generate(Requests.requests(3), false, 2);
            List<ILoggingEvent> progress = logs.events().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("Chunk ")).collect(Collectors.toList());
            assertEquals(2, progress.size());
            assertTrue(progress.stream().allMatch(e -> e.getLevel() == Level.DEBUG));
            assertEquals("Chunk 2/2: inputs 2..2 of 3, stage 1", progress.get(1).getFormattedMessage());
        }
    }

    @Test
    void perChunkProgressIsInfoWhenVerbose() {
        LlmEngineFactory factory = mock(LlmEngineFactory.class);
        when(factory.start(any())).thenReturn(engine);
        QwenVL verbose = new QwenVL(config.toBuilder().verbose(true).build(), factory);
        verbose.setup();
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.INFO)) {
            verbose.generate(Requests.requests(3), false, 2);
            List<ILoggingEvent> progress = logs.events().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("Chunk ")).collect(Collectors.toList());
            assertEquals(2, progress.size());
            assertTrue(progress.stream().allMatch(e -> e.getLevel() == Level.INFO));
        }
    }

    @Test
    void returnedListIsUnmodifiable() {
        List<String> captions = model.generate(Requests.requests(2));
        assertThrows(UnsupportedOperationException.class, () -> captions.add("x"));
    }
}
