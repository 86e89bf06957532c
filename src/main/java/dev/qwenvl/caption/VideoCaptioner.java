package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.InferenceBackend;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captions whole videos: probe, cut into windows, decode and preprocess, prompt, generate, and map
 * every caption back to its video and window.
 *
 * <p>Nothing is lost to one bad input: a video that cannot be read gets its typed error and the
 * others are captioned; when an engine call fails, its windows are retried one by one, so only the
 * windows that fail alone are reported as failed. When the engine's process dies
 * ({@link EngineDiedException}), the windows of that call and of every later call fail with it,
 * without retries: the caller decides whether to restart the engine ({@link QwenVL#setup()}).
 *
 * <p>Memory: the frames of all windows of the videos passed to one {@link #caption} call are held
 * (on the Python side) until the call returns; callers with many videos pass them in groups.
 * Thread-safe when its model and decoder are.
 *
 * <p>Streaming ({@link #stream}): a feeder thread probes and prepares one video after another
 * while the engine works (the engine's loop does not hold the interpreter thread), and submits
 * every window to the model's request stream as soon as its video is prepared; with stage 2 a
 * window's second request enters the stream as soon as its first caption arrives. Each video is
 * handed to the caller as soon as all its windows are done. Frames in flight are bounded by
 * {@link StreamSettings#framesInFlightBytes()}, so memory stays flat however many videos are
 * streamed. A window that fails fails alone; when the engine dies, no further video is started.
 *
 * <p>Batching: {@link #caption} sends its windows to the engine in chunks of the model's
 * {@link QwenVlConfig#captionBatchSize()}; {@link #stream} submits each window on its own into
 * the engine's running batch (continuous batching, bounded by the engine itself).
 *
 * <p>The common case needs no engine classes: {@link #create(QwenVlConfig, CaptionSettings)} builds
 * the model and the decoder from the installed {@link InferenceBackend} and starts the engine; the
 * captioner then owns the model and {@link #close()} shuts it down. A captioner built with the
 * constructor leaves its model to the caller, and its {@link #close()} does nothing.
 */
public final class VideoCaptioner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VideoCaptioner.class);

    private final QwenVL model;
    private final VideoDecoder decoder;
    private final CaptionSettings settings;
    private final QwenPromptFormatter formatter;
    private final boolean ownsModel;
    private final String systemMessage;

    /** A captioner over a model the caller set up and closes; {@link #close()} leaves it open. */
    public VideoCaptioner(QwenVL model, VideoDecoder decoder, CaptionSettings settings) {
        this(model, decoder, settings, false);
    }

    private VideoCaptioner(QwenVL model, VideoDecoder decoder, CaptionSettings settings, boolean ownsModel) {
        this.model = Objects.requireNonNull(model, "model");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.systemMessage = model.config().modelVariant().family().defaultSystemPrompt();
        this.formatter = new QwenPromptFormatter(systemMessage);
        this.ownsModel = ownsModel;
    }

    /**
     * A captioner with its own model on the installed {@link InferenceBackend} (vLLM in the
     * process-wide embedded Python, with its PyAV decoder), engine started. Close it to shut the
     * engine down.
     *
     * @throws dev.qwenvl.engine.EngineException when the engine cannot start (nothing is left open)
     * @throws IllegalStateException             when no backend (or more than one) is on the class path
     */
    public static VideoCaptioner create(QwenVlConfig config, CaptionSettings settings) {
        return create(config, settings, InferenceBackend.installed());
    }

    /** Like {@link #create(QwenVlConfig, CaptionSettings)} on {@code backend}. */
    public static VideoCaptioner create(QwenVlConfig config, CaptionSettings settings, InferenceBackend backend) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(backend, "backend");
        QwenVL model = new QwenVL(config, backend.engineFactory());
        try {
            model.setup();
            return new VideoCaptioner(model, backend.videoDecoder(), settings, true);
        } catch (RuntimeException e) {
            try {
                model.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The model this captioner captions with. */
    public QwenVL model() {
        return model;
    }

    /**
     * Closes the model when this captioner created it ({@link #create}); otherwise does nothing.
     * Idempotent.
     */
    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }

    public CaptionSettings settings() {
        return settings;
    }

    /** The prompt every window is captioned with. */
    public String prompt() {
        return formatter.format(instruction());
    }

    /**
     * The engine request of window {@code w}: the instruction (the engine applies the family's
     * chat template), the window's frames, the rate they were sampled at, and the pixel bounds
     * the decoder asks the model's processor to keep (when the model preprocesses).
     */
    private EngineRequest request(PreparedVideo video, int w) {
        return EngineRequest.instruction(instruction(), systemMessage, video.payloads().get(w))
                .withFps(video.windows().get(w).sampledFps())
                .withPixelBounds(video.pixelBounds(w).orElse(null));
    }

    /** The instruction every window is captioned with (the custom text, else the variant's). */
    private String instruction() {
        return settings.promptVariant().instructionOr(settings.promptText());
    }

    /** Captions {@code sources}; one result per source, in input order. */
    public List<VideoCaptions> caption(List<VideoSource> sources) {
        return caption(sources, CaptionProgress.NONE);
    }

    /** Captions {@code sources}, telling {@code progress} as windows are done. */
    public List<VideoCaptions> caption(List<VideoSource> sources, CaptionProgress progress) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(progress, "progress");
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i) == null) {
                throw new IllegalArgumentException("sources[" + i + "] is null; pass a VideoSource for every element");
            }
        }
        Map<Integer, Outcome> outcomes = new LinkedHashMap<>();
        List<PreparedVideo> prepared = new ArrayList<>();
        try {
            List<Slot> slots = new ArrayList<>();
            for (int v = 0; v < sources.size(); v++) {
                VideoSource source = sources.get(v);
                Outcome outcome = new Outcome(source);
                outcomes.put(v, outcome);
                PreparedVideo video = prepare(source, outcome);
                if (video == null) {
                    continue;
                }
                prepared.add(video);
                for (int w = 0; w < video.windows().size(); w++) {
                    slots.add(new Slot(outcome, video.windows().get(w), request(video, w)));
                }
            }
            progress.windowsPlanned(slots.size());
            int batchSize = model.config().captionBatchSize();
            for (int start = 0; start < slots.size(); start += batchSize) {
                List<Slot> chunk = slots.subList(start, Math.min(slots.size(), start + batchSize));
                captionChunk(chunk);
                progress.windowsDone(chunk.size());
            }
        } finally {
            prepared.forEach(PreparedVideo::close);
        }
        List<VideoCaptions> results = new ArrayList<>(sources.size());
        for (Outcome o : outcomes.values()) {
            results.add(o.result());
        }
        return results;
    }

    /** {@link #stream(List, StreamSettings, CaptionProgress, Consumer)} with the default settings. */
    public List<VideoSource> stream(List<VideoSource> sources, CaptionProgress progress, Consumer<VideoCaptions> onVideo) {
        return stream(sources, StreamSettings.defaults(), progress, onVideo);
    }

    /**
     * Captions {@code sources} as a stream (see the class notes): {@code onVideo} gets each
     * video's result as soon as all its windows are done, in completion order, on the calling
     * thread; {@code progress} is told on the calling thread too.
     *
     * <p>Stops starting videos when the engine dies or the calling thread is interrupted; the
     * videos already started are finished (drained) and reported first. The interrupt status is
     * kept.
     *
     * @return the sources that were never started (empty when every source was reported)
     */
    public List<VideoSource> stream(List<VideoSource> sources, StreamSettings stream, CaptionProgress progress,
                                    Consumer<VideoCaptions> onVideo) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(onVideo, "onVideo");
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i) == null) {
                throw new IllegalArgumentException("sources[" + i + "] is null; pass a VideoSource for every element");
            }
        }
        Feed feed = new Feed(List.copyOf(sources), new FrameBudget(stream.framesInFlightBytes()));
        Thread feeder = new Thread(feed::run, "qwenvl-captioner-feed");
        feeder.setDaemon(true);
        feeder.start();
        boolean interrupted = false;
        RuntimeException failure = null;
        long lastLoad = 0;
        try {
            while (true) {
                VideoCaptions r;
                try {
                    r = feed.done.poll(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                    feed.stop.set(true);
                    continue;
                }
                if (r != null) {
                    feed.reported++;
                    progress.windowsDone(r.captions().size() + feed.failedWindows(r));
                    if (failure == null) {
                        try {
                            onVideo.accept(r);
                        } catch (RuntimeException e) {
                            failure = e; // stop starting videos, drain the ones in flight, then rethrow
                            feed.stop.set(true);
                        }
                    }
                } else if (!feeder.isAlive() && feed.reported == feed.started.get()) {
                    break;
                }
                long now = System.nanoTime();
                if (now - lastLoad > TimeUnit.MILLISECONDS.toNanos(500)) {
                    lastLoad = now;
                    progress.engineHolds(model.streamStats().held());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw failure;
        }
        return sources.subList(feed.next, sources.size()).stream().toList();
    }

    /** The feeder of one {@link #stream} call: prepares and submits videos in order. */
    private final class Feed {
        final List<VideoSource> sources;
        final FrameBudget budget;
        final BlockingQueue<VideoCaptions> done = new LinkedBlockingQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger started = new AtomicInteger();
        final Map<VideoCaptions, Integer> failed = new ConcurrentHashMap<>();
        /** Index of the first source not started; read after the feeder ended. */
        volatile int next;
        /** Touched by the calling thread only. */
        int reported;

        Feed(List<VideoSource> sources, FrameBudget budget) {
            this.sources = sources;
            this.budget = budget;
        }

        int failedWindows(VideoCaptions r) {
            Integer n = failed.remove(r);
            return n == null ? 0 : n;
        }

        void run() {
            for (int v = 0; v < sources.size(); v++) {
                next = v;
                if (stop.get()) {
                    return;
                }
                VideoSource source = sources.get(v);
                Outcome outcome = new Outcome(source);
                PreparedVideo video;
                try {
                    video = prepare(source, outcome);
                } catch (RuntimeException e) {
                    LOG.error("Preparing {} failed: {}", source.displayName(), e.toString(), e);
                    outcome.fail(new EngineException("preparing " + source.displayName() + " failed: " + e, e));
                    video = null;
                }
                started.incrementAndGet();
                if (video == null) {
                    done.add(outcome.result());
                    continue;
                }
                long bytes = video.frameBytes();
                try {
                    if (!budget.acquire(bytes, stop::get)) {
                        video.close();
                        started.decrementAndGet();
                        return; // stopped while waiting: this video was not started
                    }
                } catch (InterruptedException e) {
                    video.close();
                    started.decrementAndGet();
                    Thread.currentThread().interrupt();
                    return;
                }
                submit(video, outcome, bytes);
            }
            next = sources.size();
        }

        private void submit(PreparedVideo video, Outcome outcome, long bytes) {
            List<CompletableFuture<Void>> windows = new ArrayList<>(video.windows().size());
            AtomicInteger failedWindows = new AtomicInteger();
            int stage = settings.stage2() ? 2 : 1;
            for (int w = 0; w < video.windows().size(); w++) {
                VideoWindow window = video.windows().get(w);
                EngineRequest request = request(video, w);
                CompletableFuture<String> caption;
                try {
                    caption = model.submit(request, settings.stage2());
                } catch (RuntimeException e) {
                    caption = CompletableFuture.failedFuture(e);
                }
                windows.add(caption.handle((text, error) -> {
                    if (error == null) {
                        outcome.add(new WindowCaption(outcome.source.displayName(), window, text, stage));
                        return null;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    QwenVlException e = cause instanceof QwenVlException q ? q
                            : new EngineException("window " + window.windowIndex() + " of " + outcome.source.displayName()
                                    + " failed: " + cause, cause);
                    if (e instanceof EngineDiedException || e instanceof dev.qwenvl.model.ModelStateException) {
                        stop.set(true); // the engine is gone: start no more videos
                    } else {
                        LOG.warn("Window {} of {} failed: {}", window.windowIndex(), outcome.source.displayName(),
                                e.getMessage());
                    }
                    failedWindows.incrementAndGet();
                    outcome.fail(e);
                    return null;
                }));
            }
            CompletableFuture.allOf(windows.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
                video.close();
                budget.release(bytes);
                VideoCaptions result = outcome.result();
                if (failedWindows.get() > 0) {
                    failed.put(result, failedWindows.get());
                }
                done.add(result);
            });
        }
    }

    private PreparedVideo prepare(VideoSource source, Outcome outcome) {
        try {
            VideoInfo info = decoder.probe(source);
            List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(), settings.windowing());
            PreparedVideo video = decoder.prepare(source, windows, model.config().modelVariant().keys().get(0),
                    model.config().modelDoesPreprocess());
            try {
                checkContext(video);
            } catch (VideoInputException e) {
                video.close();
                throw e;
            }
            return video;
        } catch (QwenVlException e) {
            LOG.warn("Skipping {}: {}", source.displayName(), e.getMessage());
            outcome.fail(e);
            return null;
        }
    }

    /**
     * Refuses, before anything reaches vLLM, a window whose frames and prompt would not fit the
     * model's context ({@link QwenVlSettings#MAX_MODEL_LEN}). The prompt is counted generously
     * (one token per UTF-8 byte, which byte-level BPE never exceeds), plus the caption and, with
     * stage 2, the rewrite text and the first caption.
     */
    private void checkContext(PreparedVideo video) {
        int text = prompt().getBytes(StandardCharsets.UTF_8).length + model.config().maxOutputTokens();
        if (settings.stage2()) {
            text += model.config().stage2PromptText().getBytes(StandardCharsets.UTF_8).length + model.config().maxOutputTokens();
        }
        for (int w = 0; w < video.windows().size(); w++) {
            int tokens = video.videoTokens().get(w);
            if (tokens + text > QwenVlSettings.MAX_MODEL_LEN) {
                VideoWindow window = video.windows().get(w);
                throw new VideoInputException(video.source().displayName(), VideoInputException.Reason.WINDOW_TOO_LONG,
                        "window " + window.windowIndex() + " (frames " + window.firstFrame() + "-" + window.lastFrame() + ", "
                                + window.sampledFrameIndices().size() + " sampled) needs " + tokens + " video tokens plus up to "
                                + text + " for the text, over the model's context of " + QwenVlSettings.MAX_MODEL_LEN
                                + " tokens; lower the sampling rate or the window length");
            }
        }
    }

    private void captionChunk(List<Slot> chunk) {
        List<EngineRequest> requests = chunk.stream().map(Slot::request).toList();
        try {
            record(chunk, model.generate(requests, settings.stage2(), model.config().captionBatchSize()));
            return;
        } catch (EngineDiedException e) {
            // the engine is gone: retrying one by one would only fail again
            chunk.forEach(slot -> slot.outcome().fail(e));
            return;
        } catch (EngineException e) {
            if (chunk.size() == 1) {
                chunk.get(0).outcome().fail(e);
                return;
            }
            LOG.warn("An engine call of {} windows failed ({}); retrying them one by one to find the culprit",
                    chunk.size(), e.getMessage());
        }
        for (Slot slot : chunk) {
            try {
                record(List.of(slot), model.generate(List.of(slot.request()), settings.stage2(), 1));
            } catch (EngineDiedException e) {
                slot.outcome().fail(e);
            } catch (EngineException e) {
                LOG.warn("Window {} of {} failed: {}", slot.window().windowIndex(), slot.outcome().source.displayName(), e.getMessage());
                slot.outcome().fail(e);
            }
        }
    }

    private void record(List<Slot> slots, List<String> captions) {
        int stage = settings.stage2() ? 2 : 1;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            s.outcome().captions.add(new WindowCaption(s.outcome().source.displayName(), s.window(), captions.get(i), stage));
        }
    }

    private record Slot(Outcome outcome, VideoWindow window, EngineRequest request) {}

    /** What happened to one video so far. */
    private static final class Outcome {
        final VideoSource source;
        final List<WindowCaption> captions = new ArrayList<>();
        QwenVlException error;

        Outcome(VideoSource source) {
            this.source = source;
        }

        synchronized void add(WindowCaption caption) {
            captions.add(caption);
        }

        synchronized void fail(QwenVlException e) {
            // the engine's death wins: it tells the caller that the engine must be restarted
            if (error == null || e instanceof EngineDiedException && !(error instanceof EngineDiedException)) {
                error = e;
            }
        }

        synchronized VideoCaptions result() {
            List<WindowCaption> ordered = new ArrayList<>(captions);
            ordered.sort((a, b) -> Integer.compare(a.window().windowIndex(), b.window().windowIndex()));
            return new VideoCaptions(source, ordered, error);
        }
    }
}
