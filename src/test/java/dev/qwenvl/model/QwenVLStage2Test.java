package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.PromptTexts;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two-stage captioning through QwenVL: stage 2 enters the engine as soon as an input's stage-1 caption arrives. */
class QwenVLStage2Test {

    private static final String STAGE2 = "Stage 2 prompt: ";

    private final QwenPromptFormatter formatter = new QwenPromptFormatter();
    private FakeEngine engine;

    @BeforeEach
    void engine() {
        engine = new FakeEngine(STAGE2);
    }

    private QwenVL model(String stage2Text) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(4).stage2PromptText(stage2Text).build(), args -> engine);
        model.setup();
        return model;
    }

    private List<EngineRequest> stage1() {
        return engine.submitted().stream().filter(r -> !PromptTexts.text(r).contains(STAGE2)).collect(Collectors.toList());
    }

    private List<EngineRequest> stage2() {
        return engine.submitted().stream().filter(r -> PromptTexts.text(r).contains(STAGE2)).collect(Collectors.toList());
    }

    /** The stage-2 request of the input with {@code id}. */
    private EngineRequest stage2Of(long id) {
        return stage2().stream().filter(r -> Requests.id(r) == id).findFirst().orElseThrow();
    }

    @Test
    void theStage2RequestCarriesTheStage1CaptionInAChangedPromptAndOnlyStage2CaptionsAreReturned() {
        List<EngineRequest> videos = Requests.requests(2);
        List<String> captions = model(STAGE2).generate(videos, true, 16);
        assertEquals(List.of("refined-0", "refined-1"), captions);

        assertEquals(videos, stage1());
        assertEquals(4, engine.submitted().size());
        for (int i = 0; i < 2; i++) {
            String p = PromptTexts.text(stage2Of(i));
            assertNotEquals(PromptTexts.text(videos.get(i)), p);
            assertTrue(p.contains(STAGE2 + "draft-" + i), p);
            assertEquals(formatter.format(STAGE2 + "draft-" + i), p);
            assertSame(videos.get(i).video(), stage2Of(i).video(), "stage 2 reuses the same video");
        }
    }

    @Test
    void defaultStage2TextIsUsedWhenNoneIsConfigured() {
        engine = new FakeEngine(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT);
        List<String> captions = model(null).generate(Requests.requests(1), true, 16);
        assertEquals(List.of("refined-0"), captions);
        assertEquals(formatter.format(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT + "draft-0"),
                PromptTexts.text(engine.submitted().get(1)));
    }

    @Test
    void theWindowCountsBothStagesOfAnInput() {
        List<String> captions = model(STAGE2).generate(Requests.requests(3), true, 1);
        assertEquals(List.of("refined-0", "refined-1", "refined-2"), captions);
        List<String> order = engine.submitted().stream()
                .map(r -> (PromptTexts.text(r).contains(STAGE2) ? "s2-" : "s1-") + Requests.id(r)).collect(Collectors.toList());
        assertEquals(List.of("s1-0", "s2-0", "s1-1", "s2-1", "s1-2", "s2-2"), order,
                "with one input in flight, an input's stage 2 runs before the next input's stage 1");
        assertEquals(1, engine.maxInFlight());
    }

    @Test
    void eachStage2RequestFollowsItsOwnStage1CaptionWithinTheWindow() {
        List<String> captions = model(STAGE2).generate(Requests.requests(20), true, 4);
        assertEquals(20, captions.size());
        assertTrue(captions.stream().allMatch(c -> c.startsWith("refined-")), captions.toString());
        List<EngineRequest> all = engine.submitted();
        for (long id = 0; id < 20; id++) {
            long key = id;
            int first = java.util.stream.IntStream.range(0, all.size())
                    .filter(i -> Requests.id(all.get(i)) == key && !PromptTexts.text(all.get(i)).contains(STAGE2))
                    .findFirst().orElseThrow();
            int second = all.indexOf(stage2Of(id));
            assertTrue(first < second, "input " + id + ": stage 1 at " + first + ", stage 2 at " + second);
        }
        assertTrue(engine.maxInFlight() <= 4, "at most 4 inputs in flight: " + engine.maxInFlight());
    }

    @Test
    void anInstructionRequestGetsStage2TextPlusCaptionAsItsInstructionEvenWhenItContainsThePlaceholderWord() {
        String hostile = "cost $1 \\1 \\\\ \\g<0> <|im_end|>";
        engine.thenAnswer(hostile, "final");
        EngineRequest request = EngineRequest.instruction("Read the user_prompt banner aloud.", null, new OpaqueVideo(3))
                .withFps(1.5);
        assertEquals(List.of("final"), model(STAGE2).generate(List.of(request), true, 16));
        EngineRequest second = engine.submitted().get(1);
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
        assertEquals("Caption this: Stage 2 prompt: draft-7. Thanks", PromptTexts.text(engine.submitted().get(1)));
    }

    @Test
    void hostileStage1CaptionReachesTheStage2PromptByteForByte() {
        String hostile = "cost $1 \\1 \\\\ \\g<0>";
        engine.thenAnswer(hostile, "final");
        assertEquals(List.of("final"), model(STAGE2).generate(Requests.requests(1), true, 16));
        String second = PromptTexts.text(engine.submitted().get(1));
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
            assertTrue(warns.get(0).getFormattedMessage().startsWith("Input 1 of 3 keeps its stage-1 caption"),
                    warns.get(0).getFormattedMessage());
        }
        assertEquals(List.of(0L, 2L), stage2().stream().map(Requests::id).sorted().collect(Collectors.toList()));
        assertEquals(5, engine.submitted().size());
    }

    @Test
    void noStage2RequestWhenTheInputsPromptCannotBeRewritten() {
        EngineRequest plain = new EngineRequest("Describe this video", new OpaqueVideo(5));
        assertEquals(List.of("draft-5"), model(STAGE2).generate(List.of(plain), true, 16));
        assertEquals(List.of(plain), engine.submitted());
    }

    @Test
    void failureInStage2IsLoggedAsStage2AndRethrown() {
        EngineException boom = new EngineException("stage two broke");
        engine.thenAnswer("draft", boom);
        try (LogCapture logs = LogCapture.of(QwenVL.class, Level.WARN)) {
            assertSame(boom, assertThrows(EngineException.class,
                    () -> model(STAGE2).generate(Requests.requests(1), true, 16)));
            List<ILoggingEvent> errors = logs.events(Level.ERROR);
            assertEquals(1, errors.size());
            assertTrue(errors.get(0).getFormattedMessage().contains("at stage 2"), errors.get(0).getFormattedMessage());
        }
    }

    @Test
    void submitRunsTheSameStage2AsGenerate() throws Exception {
        QwenVL model = model(STAGE2);
        assertEquals("refined-9", model.submit(Requests.request(9), true).get(5, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(formatter.format(STAGE2 + "draft-9"), PromptTexts.text(engine.submitted().get(1)));
        assertFalse(PromptTexts.text(engine.submitted().get(0)).contains(STAGE2));
    }

    private static Generation facts(String text, String finish, int output) {
        return new Generation(text, finish, 100, output, new EngineTimings(0.01, 0.2, 0.9));
    }

    @Test
    void aStage2CaptionKeepsStage1sGenerationBesideItAndIsTruncatedByItsOwnOutput() {
        QwenVL model = model(STAGE2);
        int max = model.samplingParams().maxTokens();
        engine.thenAnswer(facts("draft", "length", max), facts("final", "stop", 7));
        Caption c = model.generateCaptions(Requests.requests(1), true, 16).get(0);
        assertEquals(List.of("final", 2, "draft", "length"), List.of(c.text(), c.stage(), c.stage1Text(),
                c.stage1().finishReason()));
        assertFalse(c.truncated(), "the final caption stopped by itself");
        assertTrue(c.stage1().truncatedAt(c.maxOutputTokens()), "stage 1 was cut, and that is kept");
        assertEquals(new EngineTimings(0.01, 0.2, 0.9), c.generation().timings());
    }

    @Test
    void truncatedIsTrueExactlyForFinishReasonLengthAtTheOutputLimit() {
        QwenVL model = model(STAGE2);
        int max = model.samplingParams().maxTokens();
        engine.thenAnswer(facts("a", "length", max), facts("b", "length", max - 1), facts("c", "stop", max),
                Generation.ofText("d"));
        List<Caption> captions = model.generateCaptions(Requests.requests(4), false, 1);
        assertEquals(List.of(true, false, false, false), captions.stream().map(Caption::truncated).toList());
        assertEquals(java.util.Arrays.asList(null, null, null, null), captions.stream().map(Caption::stage1).toList());
        assertEquals(List.of(1, 1, 1, 1), captions.stream().map(Caption::stage).toList());
    }

    @Test
    void anInputThatKeepsItsStage1CaptionHasNoStage1Beside() throws Exception {
        EngineRequest plain = new EngineRequest("Describe this video", new OpaqueVideo(5));
        Caption c = model(STAGE2).submitCaption(plain, true).get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(List.of("draft-5", 1), List.of(c.text(), c.stage()));
        assertEquals(null, c.stage1());
    }
}
