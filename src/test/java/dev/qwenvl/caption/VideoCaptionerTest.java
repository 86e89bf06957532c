package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.PixelBounds;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoCaptionerTest {
    private final LlmEngine engine = mock(LlmEngine.class);
    private final AtomicInteger released = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong nextHandle = new java.util.concurrent.atomic.AtomicLong(1); // lanes prepare at once

    private QwenVL model() {
        return model(QwenVL.DEFAULT_BATCH_SIZE);
    }

    private QwenVL model(int captionBatchSize) {
        when(engine.streamStats()).thenReturn(dev.qwenvl.engine.StreamStats.NONE);
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(captionBatchSize).build(), args -> engine);
        model.setup();
        return model;
    }

    /**
     * A decoder that knows each file's frame count by its name ("n300.mp4": 300 frames at 30 fps);
     * an "h" file ("h300.mp4") prepares windows of 40000 video tokens (over the context), a "p" file
     * windows that carry pixel bounds for the model's processor.
     */
    private VideoDecoder decoder() {
        return new VideoDecoder() {
            @Override
            public VideoInfo probe(VideoSource source) {
                String name = ((VideoSource.VideoFile) source).path().getFileName().toString();
                if (name.startsWith("bad")) {
                    throw new VideoInputException(source.displayName(), VideoInputException.Reason.CORRUPT_STREAM, "broken");
                }
                return new VideoInfo(Integer.parseInt(name.substring(1, name.indexOf('.'))), 30.0, 64, 48, 0);
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
                List<VideoPayload> payloads = new ArrayList<>();
                windows.forEach(w -> payloads.add(new OpaqueVideo(nextHandle.getAndIncrement())));
                char kind = ((VideoSource.VideoFile) source).path().getFileName().toString().charAt(0);
                PixelBounds kwargs = kind == 'p'
                        ? PixelBounds.fromProcessorKwargs(java.util.Map.of("min_pixels", 100352, "max_pixels", 602112.0)) : null;
                return new PreparedVideo(source, windows, payloads, java.util.Collections.nCopies(windows.size(), kwargs),
                        java.util.Collections.nCopies(windows.size(), kind == 'h' ? 40_000 : 1_000), released::incrementAndGet);
            }
        };
    }

    @TempDir
    Path dir;

    /** An (empty) file: the stand-in decoder reads only its name. */
    private VideoSource file(String name) {
        try {
            return new VideoSource.VideoFile(Files.write(dir.resolve(name), new byte[0]));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The engine answers each request at once with "cap-" and its video's handle. */
    private void echo() {
        when(engine.submit(any(), any())).thenAnswer(inv -> java.util.concurrent.CompletableFuture.completedFuture(
                dev.qwenvl.engine.Generation.ofText("cap-" + ((OpaqueVideo) inv.<EngineRequest>getArgument(0).video()).id())));
    }

    @Test
    void everyWindowIsMappedBackToItsVideoInOrder() {
        echo();
        List<VideoCaptions> results = new VideoCaptioner(model(2), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n600.mp4"), file("n100.mp4")));
        assertEquals(List.of("cap-1", "cap-2"), results.get(0).captions().stream().map(WindowCaption::caption).toList());
        assertEquals(List.of(0, 1), results.get(0).captions().stream().map(c -> c.window().windowIndex()).toList());
        assertEquals(256, results.get(0).captions().get(1).window().firstFrame());
        assertEquals(599, results.get(0).captions().get(1).window().lastFrame());
        assertEquals(20.0, results.get(0).captions().get(1).window().endSeconds(), 1e-9);
        assertEquals(List.of("cap-3"), results.get(1).captions().stream().map(WindowCaption::caption).toList());
        verify(engine, times(3)).submit(any(), any()); // each window on its own, whatever the batch size
        assertEquals(2, released.get(), "both prepared videos are released");
    }

    @Test
    void aBadVideoIsReportedAndTheOthersAreCaptioned() {
        echo();
        List<VideoCaptions> results = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n100.mp4"), file("bad.mp4"), file("n2.mp4"), file("n120.mp4")));
        assertTrue(results.get(0).succeeded());
        assertEquals(VideoInputException.Reason.CORRUPT_STREAM, ((VideoInputException) results.get(1).error()).reason());
        assertEquals(VideoInputException.Reason.TOO_FEW_FRAMES, ((VideoInputException) results.get(2).error()).reason());
        assertTrue(results.get(3).succeeded());
        assertEquals(1, results.get(3).captions().size());
    }

    @Test
    void aWindowTheEngineRefusesFailsItsVideoAloneWithoutRetries() {
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            long id = ((OpaqueVideo) inv.<EngineRequest>getArgument(0).video()).id();
            return id == 2 ? java.util.concurrent.CompletableFuture.failedFuture(new EngineException("prompt too long for window 2"))
                    : java.util.concurrent.CompletableFuture.completedFuture(dev.qwenvl.engine.Generation.ofText("cap-" + id));
        });
        List<VideoCaptions> results = new VideoCaptioner(model(3), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n100.mp4"), file("n110.mp4"), file("n120.mp4")));
        assertTrue(results.get(0).succeeded());
        assertInstanceOf(EngineException.class, results.get(1).error());
        assertTrue(results.get(1).captions().isEmpty());
        assertTrue(results.get(2).succeeded());
        assertEquals("cap-3", results.get(2).captions().get(0).caption());
        verify(engine, times(3)).submit(any(), any()); // each window once: a refused window is not retried
    }

    @Test
    void theRequestCarriesTheWindowsSampledFpsAndTheVariantPrompt() {
        echo();
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults().withPromptText("Count the cars."));
        captioner.caption(List.of(file("n300.mp4")));
        verify(engine).submit(eq(EngineRequest.instruction("Count the cars.",
                dev.qwenvl.prompt.QwenPromptFormatter.SYSTEM_MESSAGE, new OpaqueVideo(1)).withFps(2.0)), any());
        assertTrue(captioner.prompt().contains("Count the cars.<|im_end|>"));
    }

    @Test
    void aNullSourceIsRefusedNamingItsIndex() {
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults());
        java.util.List<dev.qwenvl.video.VideoSource> sources = new java.util.ArrayList<>();
        sources.add(file("n300.mp4"));
        sources.add(null);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> captioner.caption(sources));
        assertTrue(e.getMessage().contains("sources[1] is null"), e.getMessage());
        verify(engine, times(0)).submit(any(), any());
    }

    @Test
    void anInstructionContainingThePlaceholderWordIsReplacedWholeInStage2() {
        echo();
        String instruction = "Describe the user_prompt sign.";
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder(),
                CaptionSettings.defaults().withPromptText(instruction).withStage2(true));
        captioner.caption(List.of(file("n300.mp4")));
        org.mockito.ArgumentCaptor<EngineRequest> calls = org.mockito.ArgumentCaptor.forClass(EngineRequest.class);
        verify(engine, times(2)).submit(calls.capture(), any());
        String stage2Prompt = dev.qwenvl.engine.PromptTexts.text(calls.getAllValues().get(1));
        assertTrue(!stage2Prompt.contains(instruction) && !stage2Prompt.contains("Describe the "), stage2Prompt);
        assertTrue(stage2Prompt.contains("<|vision_end|>" + dev.qwenvl.model.QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT),
                stage2Prompt);
    }

    @Test
    void nothingReachesTheEngineWhenNoVideoCouldBePrepared() {
        List<VideoCaptions> results = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("bad1.mp4")));
        assertEquals(1, results.size());
        verify(engine, times(0)).submit(any(), any());
        assertTrue(!results.get(0).succeeded());
    }

    @Test
    void aWindowOverTheContextIsRefusedBeforeTheEngineNamingVideoAndWindow() {
        echo();
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults());
        List<VideoCaptions> results = captioner.caption(List.of(file("h300.mp4"), file("n300.mp4")));
        VideoInputException e = assertInstanceOf(VideoInputException.class, results.get(0).error());
        assertEquals(VideoInputException.Reason.WINDOW_TOO_LONG, e.reason());
        assertTrue(e.getMessage().contains("h300.mp4"), e.getMessage());
        assertTrue(e.getMessage().contains("window 0 (frames 0-299, 20 sampled) needs 40000 video tokens"), e.getMessage());
        assertTrue(e.getMessage().contains("context of 32768 tokens"), e.getMessage());
        assertTrue(results.get(1).succeeded(), "the other video is captioned");
        verify(engine, times(1)).submit(eq(EngineRequest.instruction(
                dev.qwenvl.prompt.PromptVariant.DEFAULT.instruction(), dev.qwenvl.prompt.QwenPromptFormatter.SYSTEM_MESSAGE,
                new OpaqueVideo(2)).withFps(2.0)), any());
        assertEquals(2, released.get(), "the refused video's frames are released too");
    }

    @Test
    void theWindowsProcessorArgumentsTravelWithItsRequest() {
        echo();
        new VideoCaptioner(model(), decoder(), CaptionSettings.defaults()).caption(List.of(file("p300.mp4")));
        org.mockito.ArgumentCaptor<EngineRequest> calls = org.mockito.ArgumentCaptor.forClass(EngineRequest.class);
        verify(engine).submit(calls.capture(), any());
        EngineRequest request = calls.getValue();
        assertEquals(new dev.qwenvl.engine.PixelBounds(100352, 602112, false), request.pixelBounds());
        assertEquals(2.0, request.fps());
    }

    private static List<String> texts(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        results.forEach(r -> {
            r.captions().forEach(c -> out.add(r.source().displayName() + "#" + c.window().windowIndex() + "="
                    + c.caption() + "@" + c.stage()));
            if (r.error() != null) {
                out.add(r.source().displayName() + " failed: " + r.error().getClass().getSimpleName());
            }
        });
        return out;
    }

    @Test
    void captionIsTheStreamCollectedInInputOrder() {
        FakeStreamEngines engines = new FakeStreamEngines(5);
        List<VideoSource> sources = List.of(file("n600.mp4"), file("n100.mp4"), file("bad.mp4"), file("n300.mp4"),
                file("h300.mp4"), file("n900.mp4"));
        for (boolean stage2 : new boolean[] {false, true}) {
            CaptionSettings settings = CaptionSettings.defaults().withStage2(stage2);
            try (QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                    .captionBatchSize(2).build(), engines)) {
                model.setup();
                nextHandle.set(1);
                List<VideoCaptions> collected = new VideoCaptioner(model, decoder(), settings).caption(sources);
                nextHandle.set(1);
                List<VideoCaptions> streamed = new ArrayList<>();
                List<VideoSource> notStarted = new VideoCaptioner(model, decoder(), settings).stream(sources,
                        CaptionProgress.NONE, streamed::add);
                assertEquals(List.of(), notStarted);
                streamed.sort(java.util.Comparator.comparingInt(r -> sources.indexOf(r.source())));
                assertEquals(sources, collected.stream().map(VideoCaptions::source).toList(), "one result per source, in order");
                assertEquals(texts(streamed), texts(collected), "stage 2: " + stage2);
                assertEquals(8, collected.stream().mapToInt(r -> r.captions().size()).sum(), "2+1+1+4 windows");
                String second = "n600.mp4#1=cap-2@" + (stage2 ? 2 : 1);
                assertTrue(texts(collected).stream().anyMatch(t -> t.endsWith(second)), texts(collected).toString());
            }
        }
        assertEquals(2, engines.starts(), "one engine per model, none restarted");
    }
}
