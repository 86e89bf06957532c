package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.JsonSchemaException;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structured captions: schema checks, the constraint each request carries, stage 2, and invalid output as an error. */
class StructuredCaptionsTest {
    static final Path SCENE = Path.of("docs/schemas/scene.schema.json");
    static final Path EVENTS = Path.of("docs/schemas/events.schema.json");

    @TempDir
    Path dir;

    private final LlmEngine engine = mock(LlmEngine.class);
    private final List<SamplingParams> samplings = new CopyOnWriteArrayList<>();
    private final List<EngineRequest> requests = new CopyOnWriteArrayList<>();

    @Test
    void theShippedSchemasAreValidJsonSchemas() {
        for (Path p : List.of(SCENE, EVENTS)) {
            CaptionSchema schema = CaptionSchema.read(p);
            assertTrue(schema.name().contains(p.getFileName().toString()), schema.name());
            assertFalse(schema.fieldsHint().isEmpty());
        }
    }

    @Test
    void aSchemaThatIsNotJsonIsRefusedNamingTheProblem() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"type\": \"object\",");
        JsonSchemaException e = assertThrows(JsonSchemaException.class, () -> CaptionSchema.read(bad));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void aSchemaThatIsNotValidJsonSchemaIsRefusedNamingTheKeyword() {
        JsonSchemaException e = assertThrows(JsonSchemaException.class,
                () -> CaptionSchema.of("{\"type\": \"strnig\"}", "the caption schema x.json"));
        assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("not a valid JSON Schema")
                && e.getMessage().contains("type"), e.getMessage());
        assertThrows(JsonSchemaException.class, () -> CaptionSchema.of("[1, 2]", "array"));
        assertThrows(JsonSchemaException.class, () -> CaptionSchema.of("{\"properties\": {\"a\": {\"maxLength\": -1}}}", "neg"));
    }

    @Test
    void aCaptionIsCheckedAgainstTheSchema() {
        CaptionSchema events = CaptionSchema.read(EVENTS);
        assertEquals("{\"events\":[{\"start_seconds\":0,\"end_seconds\":1.5,\"description\":\"a dog runs\"}]}",
                events.check("{\"events\": [{\"start_seconds\": 0, \"end_seconds\": 1.5, \"description\": \"a dog runs\"}]}"));
        StructuredCaptionException truncated = assertThrows(StructuredCaptionException.class,
                () -> events.check("{\"events\":[{\"start_seconds\":0,\"end_sec"));
        assertTrue(truncated.getMessage().contains("not JSON") && truncated.getMessage().contains("token limit"),
                truncated.getMessage());
        StructuredCaptionException invalid = assertThrows(StructuredCaptionException.class,
                () -> events.check("{\"events\":[]}"));
        assertTrue(invalid.getMessage().contains("does not follow") && invalid.getMessage().contains("events"),
                invalid.getMessage());
        assertThrows(StructuredCaptionException.class, () -> events.check("a free-text caption"));
        // xgrammar lets a raw tab into a JSON string: read leniently, written strict
        assertEquals("{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"a\\tb\"}]}",
                events.check("{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"a\tb\"}]}"));
    }

    @Test
    void theInstructionNamesTheFieldsWhenTheVariantDoesNot() {
        CaptionSchema scene = CaptionSchema.read(SCENE);
        CaptionSettings plain = CaptionSettings.builder().captionSchema(scene).build();
        assertTrue(plain.instruction().startsWith(PromptVariant.DEFAULT.instruction()));
        assertTrue(plain.instruction().contains("scene (the place") && plain.instruction().contains("camera"),
                plain.instruction());
        CaptionSettings variant = plain.withPromptVariant(PromptVariant.SCENE_JSON);
        assertEquals(PromptVariant.SCENE_JSON.instruction(), variant.instruction());
        assertEquals("Say it as JSON.", plain.withPromptText("Say it as JSON.").instruction());
        // free text keeps the seed's default prompt, exactly
        assertEquals(PromptVariant.DEFAULT.instruction(), CaptionSettings.defaults().instruction());
        assertEquals(PromptVariant.EVENTS_JSON, PromptVariant.fromKey("events-json"));
    }

    @Test
    void everyRequestCarriesTheSchemaAndEachCaptionIsKeptAsJson() {
        CaptionSchema scene = CaptionSchema.read(SCENE);
        String valid = "{\"scene\":\"a street\",\"subjects\":[],\"actions\":[\"a car passes\"],"
                + "\"camera\":{\"motion\":\"static\",\"shot\":\"wide\"}}";
        answer(r -> valid);
        List<VideoCaptions> out = captioner(CaptionSettings.builder().captionSchema(scene).build())
                .caption(List.of(file("n300.mp4")));
        VideoCaptions result = out.get(0);
        assertTrue(result.succeeded(), String.valueOf(result.error()));
        assertFalse(result.captions().isEmpty());
        for (WindowCaption c : result.captions()) {
            assertEquals(valid, c.captionJson());
            assertEquals(valid, c.caption());
        }
        assertFalse(samplings.isEmpty());
        samplings.forEach(s -> assertEquals(scene.json(), s.jsonSchema().schema()));
        assertEquals(scene.json(), samplings.get(0).toKwargs().get(SamplingParams.JSON_SCHEMA_KWARG));
    }

    @Test
    void freeTextRunsSendNoSchemaAndKeepNoJson() {
        answer(r -> "a caption");
        VideoCaptions result = captioner(CaptionSettings.defaults()).caption(List.of(file("n300.mp4"))).get(0);
        assertTrue(result.succeeded());
        result.captions().forEach(c -> assertNull(c.captionJson()));
        samplings.forEach(s -> {
            assertNull(s.jsonSchema());
            assertFalse(s.toKwargs().containsKey(SamplingParams.JSON_SCHEMA_KWARG));
        });
    }

    @Test
    void aCaptionThatDoesNotParseIsAnErrorWithItsReasonNeverASilentString() {
        CaptionSchema events = CaptionSchema.read(EVENTS);
        answer(r -> "{\"events\":[{\"start_seconds\":1,\"end_seconds\":2,\"descr"); // cut at max tokens
        VideoCaptions result = captioner(CaptionSettings.builder().captionSchema(events).build())
                .caption(List.of(file("n300.mp4"))).get(0);
        assertFalse(result.succeeded());
        assertTrue(result.captions().isEmpty(), "no window keeps an unparsable caption");
        StructuredCaptionException e = assertInstanceOf(StructuredCaptionException.class, result.error());
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
    }

    @Test
    void stageTwoRefinesTheJsonUnderTheSameSchema() {
        CaptionSchema events = CaptionSchema.read(EVENTS);
        String first = "{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"first\"}]}";
        String second = "{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"refined\"}]}";
        answer(r -> ((ChatPrompt.Instruction) r.prompt()).text().contains(first) ? second : first);
        VideoCaptions result = captioner(CaptionSettings.builder().captionSchema(events).stage2(true).build())
                .caption(List.of(file("n100.mp4"))).get(0);
        assertTrue(result.succeeded(), String.valueOf(result.error()));
        WindowCaption c = result.captions().get(0);
        assertEquals(2, c.stage());
        assertEquals(second, c.captionJson());
        assertEquals(2, requests.size());
        String stage2Text = ((ChatPrompt.Instruction) requests.get(1).prompt()).text();
        assertEquals(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT + first, stage2Text);
        assertEquals(2, samplings.size());
        samplings.forEach(s -> assertEquals(events.json(), s.jsonSchema().schema()));
    }

    private void answer(Function<EngineRequest, String> reply) {
        when(engine.streamStats()).thenReturn(dev.qwenvl.engine.StreamStats.NONE);
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            EngineRequest r = inv.getArgument(0);
            requests.add(r);
            samplings.add(inv.getArgument(1));
            return CompletableFuture.completedFuture(dev.qwenvl.engine.Generation.ofText(reply.apply(r)));
        });
    }

    private VideoCaptioner captioner(CaptionSettings settings) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").build(),
                args -> engine);
        model.setup();
        return new VideoCaptioner(model, decoder(), settings);
    }

    /** "n300.mp4": 300 frames at 30 fps. */
    private static VideoDecoder decoder() {
        return new VideoDecoder() {
            @Override
            public VideoInfo probe(VideoSource source) {
                String name = ((VideoSource.VideoFile) source).path().getFileName().toString();
                return new VideoInfo(Integer.parseInt(name.substring(1, name.indexOf('.'))), 30.0, 64, 48, 0);
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean pre) {
                List<VideoPayload> payloads = new ArrayList<>();
                for (int i = 0; i < windows.size(); i++) {
                    payloads.add(new OpaqueVideo(i + 1));
                }
                return new PreparedVideo(source, windows, payloads, Collections.nCopies(windows.size(), null),
                        Collections.nCopies(windows.size(), 1_000), () -> { });
            }
        };
    }

    private VideoSource file(String name) {
        try {
            return new VideoSource.VideoFile(Files.write(dir.resolve(name), new byte[0]));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
