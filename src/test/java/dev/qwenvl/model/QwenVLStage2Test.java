package dev.qwenvl.model;

import dev.qwenvl.engine.OpaqueVideo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.PromptTexts;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** Two-stage captioning through QwenVL. */
class QwenVLStage2Test {

    private static final String STAGE2 = "Stage 2 prompt: ";

    private final QwenPromptFormatter formatter = new QwenPromptFormatter();
    private LlmEngine engine;
    private LlmEngineFactory factory;

    @BeforeEach
    void mocks() {
        engine = mock(LlmEngine.class);
        factory = mock(LlmEngineFactory.class);
        when(factory.start(any())).thenReturn(engine);
        when(engine.generate(anyList(), any())).thenAnswer(inv -> Requests.answer(inv.getArgument(0), STAGE2));
    }

    private QwenVL model(String stage2Text) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(4).stage2PromptText(stage2Text).build(), factory);
        model.setup();
        return model;
    }

    @SuppressWarnings("unchecked")
    private List<List<EngineRequest>> engineBatches(int calls) {
        ArgumentCaptor<List<EngineRequest>> captor = ArgumentCaptor.forClass(List.class);
        verify(engine, times(calls)).generate(captor.capture(), any());
        return captor.getAllValues();
    }

    private static List<String> prompts(List<EngineRequest> batch) {
        return batch.stream().map(PromptTexts::text).collect(Collectors.toList());
    }

    @Test
    void secondCallCarriesTheStage1CaptionsInChangedPromptsAndOnlyStage2CaptionsAreReturned() {
        List<EngineRequest> videos = Requests.requests(2);
        List<String> captions = model(STAGE2).generate(videos, true, 16);
        assertEquals(List.of("refined-0", "refined-1"), captions);

        List<List<EngineRequest>> batches = engineBatches(2);
        assertEquals(videos, batches.get(0));
        List<EngineRequest> second = batches.get(1);
        for (int i = 0; i < 2; i++) {
            String p = PromptTexts.text(second.get(i));
            assertNotEquals(PromptTexts.text(batches.get(0).get(i)), p);
            assertTrue(p.contains(STAGE2 + "draft-" + i), p);
            assertEquals(formatter.format(STAGE2 + "draft-" + i), p);
            assertSame(videos.get(i).video(), second.get(i).video(), "stage 2 reuses the same video");
        }
    }

    @Test
    void defaultStage2TextIsUsedWhenNoneIsConfigured() {
        when(engine.generate(anyList(), any()))
                .thenAnswer(inv -> Requests.answer(inv.getArgument(0), QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT));
        List<String> captions = model(null).generate(Requests.requests(1), true, 16);
        assertEquals(List.of("refined-0"), captions);
        assertEquals(formatter.format(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT + "draft-0"),
                PromptTexts.text(engineBatches(2).get(1).get(0)));
    }

    @Test
    void eachChunkRunsStage1ThenStage2BeforeTheNextChunk() {
        List<String> captions = model(STAGE2).generate(Requests.requests(3), true, 2);
        assertEquals(List.of("refined-0", "refined-1", "refined-2"), captions);
        List<List<EngineRequest>> batches = engineBatches(4);
        assertEquals(List.of(2, 2, 1, 1), batches.stream().map(List::size).collect(Collectors.toList()));
        assertFalse(prompts(batches.get(0)).get(0).contains(STAGE2));
        assertTrue(prompts(batches.get(1)).get(0).contains(STAGE2));
        assertFalse(prompts(batches.get(2)).get(0).contains(STAGE2));
        assertTrue(prompts(batches.get(3)).get(0).contains("draft-2"));
    }

    @Test
    void anInstructionRequestGetsStage2TextPlusCaptionAsItsInstructionEvenWhenItContainsThePlaceholderWord() {
        String hostile = "cost $1 \\1 \\\\ \\g<0> <|im_end|>";
        when(engine.generate(anyList(), any())).thenReturn(List.of(hostile)).thenReturn(List.of("final"));
        EngineRequest request = EngineRequest.instruction("Read the user_prompt banner aloud.", null, new OpaqueVideo(3))
                .withFps(1.5);
        assertEquals(List.of("final"), model(STAGE2).generate(List.of(request), true, 16));
        EngineRequest second = engineBatches(2).get(1).get(0);
        assertEquals(new ChatPrompt.Instruction(STAGE2 + hostile, null), second.prompt(), "nothing parsed, nothing lost");
        assertEquals(1.5, second.fps(), "the rate travels to stage 2");
        assertSame(request.video(), second.video());
        assertArrayEquals(new QwenPromptFormatter(null).format(STAGE2 + hostile).getBytes(StandardCharsets.UTF_8),
                PromptTexts.text(second).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void placeholderPromptsFollowTheSeedsPattern() {
        EngineRequest request = new EngineRequest("Caption this: user_prompt. Thanks", new OpaqueVideo(7));
        assertEquals(List.of("refined-7"), model(STAGE2).generate(List.of(request), true, 16));
        assertEquals("Caption this: Stage 2 prompt: draft-7. Thanks", PromptTexts.text(engineBatches(2).get(1).get(0)));
    }

    @Test
    void hostileStage1CaptionReachesTheStage2PromptByteForByte() {
        String hostile = "cost $1 \\1 \\\\ \\g<0>";
        when(engine.generate(anyList(), any())).thenReturn(List.of(hostile)).thenReturn(List.of("final"));
        assertEquals(List.of("final"), model(STAGE2).generate(Requests.requests(1), true, 16));
        String second = PromptTexts.text(engineBatches(2).get(1).get(0));
        assertArrayEquals(formatter.format(STAGE2 + hostile).getBytes(StandardCharsets.UTF_8),
                second.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void inputsWhosePromptCannotBeRewrittenKeepTheirStage1CaptionAndAreNotResent() {
        EngineRequest plain = new EngineRequest("Describe this video", new OpaqueVideo(1));
        List<EngineRequest> videos = List.of(Requests.request(0), plain, Requests.request(2));
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            List<String> captions = model(STAGE2).generate(videos, true, 16);
            assertEquals(List.of("refined-0", "draft-1", "refined-2"), captions);
            List<ILoggingEvent> warns = logs.events(Level.WARN);
            assertEquals(1, warns.size());
            assertTrue(warns.get(0).getFormattedMessage().startsWith("Inputs [1] keep their stage-1 captions"),
                    warns.get(0).getFormattedMessage());
        }
        List<List<EngineRequest>> batches = engineBatches(2);
        assertEquals(List.of(0L, 2L), batches.get(1).stream().map(Requests::id).collect(Collectors.toList()));
    }

    @Test
    void noSecondCallWhenNoPromptOfTheChunkCanBeRewritten() {
        EngineRequest plain = new EngineRequest("Describe this video", new OpaqueVideo(5));
        assertEquals(List.of("draft-5"), model(STAGE2).generate(List.of(plain), true, 16));
        engineBatches(1);
    }

    @Test
    void failureInStage2IsLoggedAsStage2AndRethrown() {
        EngineException boom = new EngineException("stage two broke");
        when(engine.generate(anyList(), any())).thenReturn(List.of("draft")).thenThrow(boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            assertSame(boom, assertThrows(EngineException.class,
                    () -> model(STAGE2).generate(Requests.requests(1), true, 16)));
            List<ILoggingEvent> errors = logs.events(Level.ERROR);
            assertEquals(1, errors.size());
            assertTrue(errors.get(0).getFormattedMessage().contains("at stage 2"), errors.get(0).getFormattedMessage());
        }
    }
}
