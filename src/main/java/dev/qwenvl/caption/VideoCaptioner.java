package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.model.InferenceBackend;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Captions whole videos: probe, cut into windows, decode and preprocess, prompt, generate, and map
 * every caption back to its video and window.
 *
 * <p>One path: {@link #stream} is how videos are captioned, and {@link #caption} is that stream
 * collected into one result per source, in input order. A feeder thread ({@link StreamFeed})
 * prepares one video after another while the engine works and submits every window on its own
 * into the engine's running batch as soon as its video is prepared; with stage 2 a window's
 * second request enters the engine as soon as its first caption arrives. Frames in flight are
 * bounded by {@link StreamSettings#framesInFlightBytes()}, so memory stays flat however many
 * videos are captioned; how many requests run at once is the engine's own scheduler's business.
 *
 * <p>Nothing is lost to one bad input: a video that cannot be read gets its typed error and the
 * others are captioned; a window the engine refuses fails alone. When the engine's process dies
 * ({@link EngineDiedException}), the stream restarts it and submits again every request it held
 * ({@link EngineRecovery}, under {@link StreamSettings#engineRestarts()}); only a request in
 * flight at two deaths, or a death with no restart left, fails its window with
 * {@code EngineDiedException}, and then no further video is started.
 *
 * <p>The common case needs no engine classes: {@link #create(QwenVlConfig, CaptionSettings)} builds
 * the model and the decoder from the installed {@link InferenceBackend} and starts the engine; the
 * captioner then owns the model and {@link #close()} shuts it down. A captioner built with the
 * constructor leaves its model to the caller, and its {@link #close()} does nothing.
 * Thread-safe when its model and decoder are.
 */
public final class VideoCaptioner implements AutoCloseable {
    private final QwenVL model;
    private final CaptionSettings settings;
    private final CaptionRequests requests;
    private final VideoPreparation preparation;
    private final boolean ownsModel;

    /** A captioner over a model the caller set up and closes; {@link #close()} leaves it open. */
    public VideoCaptioner(QwenVL model, VideoDecoder decoder, CaptionSettings settings) {
        this(model, decoder, settings, false);
    }

    private VideoCaptioner(QwenVL model, VideoDecoder decoder, CaptionSettings settings, boolean ownsModel) {
        this.model = Objects.requireNonNull(model, "model");
        Objects.requireNonNull(decoder, "decoder");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.requests = new CaptionRequests(model.config(), settings);
        this.preparation = new VideoPreparation(decoder, model.config(), settings,
                new ContextCheck(model.config(), settings.stage2(), requests.prompt()));
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
        if (settings.captionSchema() != null) { // refused before the model loads
            backend.engineFactory().checkJsonSchema(settings.captionSchema().output(), settings.captionSchema().name());
        }
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
        return requests.prompt();
    }

    /** Captions {@code sources}; one result per source, in input order. */
    public List<VideoCaptions> caption(List<VideoSource> sources) {
        return caption(sources, StreamSettings.defaults(), CaptionProgress.NONE);
    }

    /** Captions {@code sources}, telling {@code progress} as windows are done. */
    public List<VideoCaptions> caption(List<VideoSource> sources, CaptionProgress progress) {
        return caption(sources, StreamSettings.defaults(), progress);
    }

    /**
     * {@link #stream} collected: one result per source, in input order. A source the stream never
     * started (the engine died with no restart left, or the calling thread was interrupted; the
     * interrupt status is kept) gets an error saying so.
     */
    public List<VideoCaptions> caption(List<VideoSource> sources, StreamSettings stream, CaptionProgress progress) {
        VideoCaptions[] results = new VideoCaptions[checked(sources).size()];
        StreamFeed feed = run(sources, stream, progress, done -> results[done.index()] = structured(done.result()));
        for (int i = feed.next(); i < results.length; i++) {
            results[i] = new VideoCaptions(sources.get(i), List.of(), notStarted(sources.get(i), feed.engineGone()));
        }
        return Arrays.asList(results);
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
     * <p>Stops starting videos when the engine is gone (it died with no restart left), when
     * {@code onVideo} throws (rethrown once the videos in flight are drained), or when the calling
     * thread is interrupted; the videos already started are finished and reported first. The
     * interrupt status is kept.
     *
     * @return the sources that were never started (empty when every source was reported)
     */
    public List<VideoSource> stream(List<VideoSource> sources, StreamSettings stream, CaptionProgress progress,
                                    Consumer<VideoCaptions> onVideo) {
        Objects.requireNonNull(onVideo, "onVideo");
        StreamFeed feed = run(checked(sources), stream, progress, done -> onVideo.accept(structured(done.result())));
        return List.copyOf(sources.subList(feed.next(), sources.size()));
    }

    /** With a caption schema, every caption (already checked against it) is kept as JSON too. */
    private VideoCaptions structured(VideoCaptions result) {
        if (settings.captionSchema() == null) {
            return result;
        }
        return new VideoCaptions(result.source(), result.captions().stream().map(WindowCaption::structured).toList(),
                result.error());
    }

    private static List<VideoSource> checked(List<VideoSource> sources) {
        Objects.requireNonNull(sources, "sources");
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i) == null) {
                throw new IllegalArgumentException("sources[" + i + "] is null; pass a VideoSource for every element");
            }
        }
        return sources;
    }

    private static QwenVlException notStarted(VideoSource source, QwenVlException engineGone) {
        if (engineGone instanceof EngineDiedException died) {
            return died.again(source.displayName() + " was not started");
        }
        return new EngineException(source.displayName() + " was not started: "
                + (engineGone != null ? engineGone.getMessage() : "the captioning thread was interrupted"), engineGone);
    }

    /** Runs one stream to its end on the calling thread; returns its feed (which sources it started, why it stopped). */
    private StreamFeed run(List<VideoSource> sources, StreamSettings stream, CaptionProgress progress,
                           Consumer<StreamFeed.Done> onDone) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(progress, "progress");
        try (EngineRecovery engine = new EngineRecovery(model, settings.stage2(), stream.engineRestarts(),
                settings.captionSchema())) {
            StreamFeed feed = new StreamFeed(List.copyOf(sources), preparation, requests, engine,
                    new FrameBudget(stream.framesInFlightBytes()), stream.decodeThreads());
            feed.start();
            boolean interrupted = false;
            RuntimeException failure = null;
            int reported = 0;
            long lastLoad = 0;
            try {
                while (true) {
                    StreamFeed.Done done;
                    try {
                        done = feed.poll(50);
                    } catch (InterruptedException e) {
                        interrupted = true;
                        feed.stop();
                        continue;
                    }
                    if (done != null) {
                        reported++;
                        progress.windowsDone(done.result().captions().size() + done.failedWindows());
                        if (failure == null) {
                            try {
                                onDone.accept(done);
                            } catch (RuntimeException e) {
                                failure = e; // start no more videos, drain the ones in flight, then rethrow
                                feed.stop();
                            }
                        }
                    } else if (feed.finished(reported)) {
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
            return feed;
        }
    }
}
