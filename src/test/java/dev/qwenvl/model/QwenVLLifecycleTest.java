package dev.qwenvl.model;

import dev.qwenvl.engine.Generation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;
import dev.qwenvl.engine.EngineDiedException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

class QwenVLLifecycleTest {

    private LlmEngineFactory factory;
    private LlmEngine engine;
    private QwenVlConfig config;

    @BeforeEach
    void mocks() {
        factory = mock(LlmEngineFactory.class);
        engine = mock(LlmEngine.class);
        when(factory.start(any())).thenReturn(engine);
        config = QwenVlConfig.builder().modelDir(Path.of("/test/model/dir")).modelVariant("qwen").captionBatchSize(4).build();
    }

    @Test
    void constructionStartsNothing() {
        new QwenVL(config, factory);
        verifyNoInteractions(factory, engine);
    }

    @Test
    void setupAgainRestartsAnEngineWhoseProcessDiedAndIsANoOpWhileItLives() {
        LlmEngine second = mock(LlmEngine.class);
        when(factory.start(any())).thenReturn(engine, second);
                QwenVL model = new QwenVL(config, factory);
        model.setup();
        model.setup();
        verify(factory, times(1)).start(any());
        when(engine.isDead()).thenReturn(true); // its process died
        model.setup();
        verify(engine).close();
        verify(factory, times(2)).start(any());
        when(second.submit(any(), any())).thenReturn(CompletableFuture.completedFuture(Generation.ofText("after restart")));
        assertEquals(List.of("after restart"), model.generate(List.of(Requests.request(1)), false, 4));
    }

    @Test
    void restartIfDeadReplacesOnlyADeadEngineAndLogsItsCause() {
        LlmEngine second = mock(LlmEngine.class);
        when(factory.start(any())).thenReturn(engine, second);
        QwenVL model = new QwenVL(config, factory);
        assertThrows(ModelStateException.class, model::restartIfDead, "not set up yet");
        model.setup();
        assertFalse(model.restartIfDead(), "the engine lives");
        verify(factory, times(1)).start(any());
        when(engine.death()).thenReturn(Optional.of(new EngineDiedException("EngineCore (pid 5) was killed by signal 9",
                "EngineCore", 5, null, "SIGKILL", null)));
        try (LogCapture logs = LogCapture.of(QwenVL.class, ch.qos.logback.classic.Level.WARN)) {
            assertTrue(model.restartIfDead());
            assertTrue(logs.events(ch.qos.logback.classic.Level.WARN).get(0).getFormattedMessage().contains("signal 9"),
                    "the death is logged with its cause");
        }
        verify(engine).close();
        verify(factory, times(2)).start(any());
        assertFalse(model.restartIfDead(), "the new engine lives");
        model.close();
        assertThrows(ModelStateException.class, model::restartIfDead, "closed");
    }

    @Test
    void setupStartsTheEngineWithTheSettingsArguments() {
        QwenVL model = new QwenVL(config, factory);
        model.setup();
        verify(factory).start(QwenVlSettings.engineArgs(config));
        assertEquals(QwenVlSettings.samplingParams(config), model.samplingParams());
    }

    @Test
    void setupLogsWhichModelItStartsAtInfo() {
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.INFO)) {
            new QwenVL(config, factory).setup();
            List<ILoggingEvent> infos = logs.events(Level.INFO);
            assertEquals(1, infos.size());
            String msg = infos.get(0).getFormattedMessage();
            assertTrue(msg.contains("Qwen/Qwen2.5-VL-7B-Instruct") && msg.contains("cc59489") && msg.contains("fp8"), msg);
        }
    }

    @Test
    void secondSetupIsANoOp() {
        QwenVL model = new QwenVL(config, factory);
        model.setup();
        model.setup();
        verify(factory, times(1)).start(any());
    }

    @Test
    void generateBeforeSetupFailsWithATypedErrorSayingWhatToDo() {
        QwenVL model = new QwenVL(config, factory);
        ModelStateException e = assertThrows(ModelStateException.class, () -> model.generate(Requests.requests(1)));
        assertTrue(e.getMessage().contains("call setup()"), e.getMessage());
        verifyNoInteractions(factory, engine);
    }

    @Test
    void closeIsIdempotentAndClosesTheEngineOnce() {
        QwenVL model = new QwenVL(config, factory);
        model.setup();
        model.close();
        model.close();
        verify(engine, times(1)).close();
    }

    @Test
    void closeBeforeSetupStartsAndClosesNothing() {
        QwenVL model = new QwenVL(config, factory);
        model.close();
        verifyNoInteractions(factory, engine);
    }

    @Test
    void generateAfterCloseFailsWithoutTouchingTheEngine() {
        QwenVL model = new QwenVL(config, factory);
        model.setup();
        model.close();
        ModelStateException e = assertThrows(ModelStateException.class, () -> model.generate(Requests.requests(2)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        verify(engine, never()).submit(any(), any());
    }

    @Test
    void setupAfterCloseFails() {
        QwenVL model = new QwenVL(config, factory);
        model.close();
        ModelStateException e = assertThrows(ModelStateException.class, model::setup);
        assertTrue(e.getMessage().contains("create a new QwenVL"), e.getMessage());
        verifyNoInteractions(factory);
    }

    @Test
    void failedSetupPropagatesAndCanBeRetried() {
        EngineException boom = new EngineException("no vllm");
        when(factory.start(any())).thenThrow(boom).thenReturn(engine);
        QwenVL model = new QwenVL(config, factory);
        assertSame(boom, assertThrows(EngineException.class, model::setup));
        assertThrows(ModelStateException.class, () -> model.generate(Requests.requests(1)));
        model.setup();
        verify(factory, times(2)).start(any());
    }

    @Test
    void factoryReturningNoEngineIsAnEngineError() {
        when(factory.start(any())).thenReturn(null);
        QwenVL model = new QwenVL(config, factory);
        EngineException e = assertThrows(EngineException.class, model::setup);
        assertTrue(e.getMessage().contains("/test/model/dir"), e.getMessage());
    }

    @Test
    void tryWithResourcesClosesTheEngine() {
        try (QwenVL model = new QwenVL(config, factory)) {
            model.setup();
        }
        verify(engine).close();
    }

    @Test
    void modelIdNamesIsTheVariantsModelId() {
        assertEquals(List.of("Qwen/Qwen2.5-VL-7B-Instruct"), new QwenVL(config, factory).modelIdNames());
        QwenVlConfig qwen3 = config.toBuilder().modelVariant("qwen3").build();
        assertEquals(List.of("Qwen/Qwen3-VL-8B-Instruct"), new QwenVL(qwen3, factory).modelIdNames());
    }

    @Test
    void closeWaitsForRunningGenerateCallsBeforeClosingTheEngine() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            entered.countDown();
            return CompletableFuture.supplyAsync(() -> {
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Generation.ofText("caption");
            });
        });
        QwenVL model = new QwenVL(config, factory);
        model.setup();
        Thread generating = new Thread(() -> model.generate(Requests.requests(1)));
        generating.start();
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        Thread closing = new Thread(model::close);
        closing.start();
        closing.join(300);
        assertTrue(closing.isAlive(), "close must wait while a generate call is using the engine");
        verify(engine, never()).close();
        release.countDown();
        generating.join(10_000);
        closing.join(10_000);
        assertFalse(closing.isAlive());
        InOrder order = inOrder(engine);
        order.verify(engine).submit(any(), any());
        order.verify(engine).close();
    }
}
