package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.InferenceBackend;
import dev.qwenvl.model.ModelStateException;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.model.WeightsDownloader;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The captioner's one entry point ({@link VideoCaptioner#create}) and who owns its model. */
class VideoCaptionerSetupTest {
    private final LlmEngine engine = mock(LlmEngine.class);
    private final List<Integer> callSizes = Collections.synchronizedList(new ArrayList<>());
    private final List<EngineArgs> started = new ArrayList<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicInteger decoderCalls = new AtomicInteger();

    VideoCaptionerSetupTest() {
        when(engine.submit(any(), any())).thenAnswer(inv -> {
            EngineRequest request = inv.getArgument(0);
            callSizes.add(1);
            return java.util.concurrent.CompletableFuture.completedFuture(
                    dev.qwenvl.engine.Generation.ofText("caption " + ((OpaqueVideo) request.video()).id()));
        });
        when(engine.streamStats()).thenReturn(dev.qwenvl.engine.StreamStats.NONE);
    }

    private static QwenVlConfig config(int captionBatchSize) {
        return QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").captionBatchSize(captionBatchSize).build();
    }

    /** Every source is a 100-frame, 30 fps video: one window each. */
    private final VideoDecoder decoder = new VideoDecoder() {
        @Override
        public VideoInfo probe(VideoSource source) {
            decoderCalls.incrementAndGet();
            return new VideoInfo(100, 30.0, 64, 48, 0);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
            List<VideoPayload> payloads = new ArrayList<>();
            windows.forEach(w -> payloads.add(new OpaqueVideo(nextHandle.getAndIncrement())));
            return new PreparedVideo(source, windows, payloads, () -> {});
        }
    };

    private final InferenceBackend backend = new InferenceBackend() {
        @Override
        public String name() {
            return "test backend";
        }

        @Override
        public LlmEngineFactory engineFactory() {
            return args -> {
                started.add(args);
                return engine;
            };
        }

        @Override
        public VideoDecoder videoDecoder() {
            return decoder;
        }

        @Override
        public WeightsDownloader weightsDownloader() {
            throw new AssertionError("a captioner built by create() does not call this");
        }
    };

    @TempDir
    Path dir;

    /** Empty files: the stand-in decoder never reads them. */
    private List<VideoSource> videos(int n) {
        List<VideoSource> sources = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sources.add(new VideoSource.VideoFile(Files.write(dir.resolve("v" + i + ".mp4"), new byte[0])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources;
    }

    @Test
    void createBuildsTheModelAndDecoderFromTheBackendAndStartsTheEngine() {
        QwenVlConfig config = config(2);
        try (VideoCaptioner captioner = VideoCaptioner.create(config, CaptionSettings.defaults(), backend)) {
            assertEquals(List.of(QwenVlSettings.engineArgs(config)), started, "one engine, with the config's arguments");
            assertSame(config, captioner.model().config());
            List<VideoCaptions> results = captioner.caption(videos(3));
            assertEquals(List.of("caption 1"), results.get(0).captions().stream().map(WindowCaption::caption).toList());
            assertEquals(3, decoderCalls.get(), "the backend's decoder probed every video");
            assertEquals(List.of(1, 1, 1), callSizes, "each window submitted on its own");
        }
        verify(engine, times(1)).close();
    }

    @Test
    void closingACreatedCaptionerClosesItsModelOnce() {
        VideoCaptioner captioner = VideoCaptioner.create(config(4), CaptionSettings.defaults(), backend);
        captioner.close();
        captioner.close();
        verify(engine, times(1)).close();
        assertThrows(ModelStateException.class, () -> captioner.model().generate(List.of()), "the model is closed");
    }

    @Test
    void aCaptionerOverTheCallersModelLeavesItOpen() {
        try (QwenVL model = new QwenVL(config(4), args -> engine)) {
            model.setup();
            new VideoCaptioner(model, decoder, CaptionSettings.defaults()).close();
            verify(engine, never()).close();
            assertEquals(1, new VideoCaptioner(model, decoder, CaptionSettings.defaults()).caption(videos(1)).size());
        }
    }

    @Test
    void createThrowsTheEnginesStartFailureAndLeavesNothingOpen() {
        EngineException cannotStart = new EngineException("vllm is not installed");
        InferenceBackend failing = new InferenceBackend() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public LlmEngineFactory engineFactory() {
                return args -> {
                    throw cannotStart;
                };
            }

            @Override
            public VideoDecoder videoDecoder() {
                throw new AssertionError("no decoder is needed when the engine cannot start");
            }

            @Override
            public WeightsDownloader weightsDownloader() {
                throw new AssertionError("a captioner built by create() does not call this");
            }
        };
        assertSame(cannotStart, assertThrows(EngineException.class,
                () -> VideoCaptioner.create(config(4), CaptionSettings.defaults(), failing)));
    }
}
