package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
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
    private long nextHandle = 1;

    private QwenVL model() {
        return model(QwenVL.DEFAULT_BATCH_SIZE);
    }

    private QwenVL model(int captionBatchSize) {
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
                windows.forEach(w -> payloads.add(new OpaqueVideo(nextHandle++)));
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

    /** The fake engine's caption of one request: "cap-" and its video's handle id. */
    private static java.util.concurrent.CompletableFuture<String> echo(EngineRequest request) {
        return java.util.concurrent.CompletableFuture.completedFuture("cap-" + ((OpaqueVideo) request.video()).id());
    }

    @Test
    void everyWindowIsMappedBackToItsVideoInOrder() {
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
        List<VideoCaptions> results = new VideoCaptioner(model(2), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n600.mp4"), file("n100.mp4")));
        assertEquals(List.of("cap-1", "cap-2"), results.get(0).captions().stream().map(WindowCaption::caption).toList());
        assertEquals(List.of(0, 1), results.get(0).captions().stream().map(c -> c.window().windowIndex()).toList());
        assertEquals(256, results.get(0).captions().get(1).window().firstFrame());
        assertEquals(599, results.get(0).captions().get(1).window().lastFrame());
        assertEquals(20.0, results.get(0).captions().get(1).window().endSeconds(), 1e-9);
        assertEquals(List.of("cap-3"), results.get(1).captions().stream().map(WindowCaption::caption).toList());
        verify(engine, times(3)).submit(any(), any()); // 3 windows, one request each
        assertEquals(2, released.get(), "both prepared videos are released");
    }

    @Test
    void aBadVideoIsReportedAndTheOthersAreCaptioned() {
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
        List<VideoCaptions> results = new VideoCaptioner(model(), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n100.mp4"), file("bad.mp4"), file("n2.mp4"), file("n120.mp4")));
        assertTrue(results.get(0).succeeded());
        assertEquals(VideoInputException.Reason.CORRUPT_STREAM, ((VideoInputException) results.get(1).error()).reason());
        assertEquals(VideoInputException.Reason.TOO_FEW_FRAMES, ((VideoInputException) results.get(2).error()).reason());
        assertTrue(results.get(3).succeeded());
        assertEquals(1, results.get(3).captions().size());
    }

    @Test
    void aFailingEngineCallIsRetriedOneByOneSoOnlyTheCulpritFails() {
        // handle 2's request fails (so its chunk fails); alone, handle 2 fails and the others pass
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            EngineRequest request = inv.getArgument(0);
            if (((OpaqueVideo) request.video()).id() == 2) {
                return java.util.concurrent.CompletableFuture.failedFuture(new EngineException("prompt too long for window 2"));
            }
            return echo(request);
        });
        List<VideoCaptions> results = new VideoCaptioner(model(3), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n100.mp4"), file("n110.mp4"), file("n120.mp4")));
        assertTrue(results.get(0).succeeded());
        assertInstanceOf(EngineException.class, results.get(1).error());
        assertTrue(results.get(1).captions().isEmpty());
        assertTrue(results.get(2).succeeded());
        assertEquals("cap-3", results.get(2).captions().get(0).caption());
    }

    @Test
    void anEngineDeathFailsTheCallsWindowsWithoutRetriesAndIsTheVideosError() {
        EngineDiedException died = new EngineDiedException("EngineCore (pid 7) was killed by signal 9 (SIGKILL)",
                "EngineCore", 7, null, "SIGKILL", null);
        AtomicInteger calls = new AtomicInteger();
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            if (calls.incrementAndGet() <= 2) {
                return echo(inv.getArgument(0));
            }
            throw died;
        });
        List<VideoCaptions> results = new VideoCaptioner(model(2), decoder(), CaptionSettings.defaults())
                .caption(List.of(file("n100.mp4"), file("n110.mp4"), file("n120.mp4"), file("n130.mp4")));
        assertEquals(3, calls.get(), "the first chunk's two requests, the request that met the death, no one-by-one "
                + "retries after the death");
        assertTrue(results.get(0).succeeded() && results.get(1).succeeded());
        assertSame(died, results.get(2).error());
        assertSame(died, results.get(3).error());
    }

    @Test
    void theRequestCarriesTheWindowsSampledFpsAndTheVariantPrompt() {
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
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
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
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
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
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
        when(engine.submit(any(), any())).thenAnswer(inv -> echo(inv.getArgument(0)));
        new VideoCaptioner(model(), decoder(), CaptionSettings.defaults()).caption(List.of(file("p300.mp4")));
        org.mockito.ArgumentCaptor<EngineRequest> calls = org.mockito.ArgumentCaptor.forClass(EngineRequest.class);
        verify(engine).submit(calls.capture(), any());
        EngineRequest request = calls.getValue();
        assertEquals(new dev.qwenvl.engine.PixelBounds(100352, 602112, false), request.pixelBounds());
        assertEquals(2.0, request.fps());
    }
}
