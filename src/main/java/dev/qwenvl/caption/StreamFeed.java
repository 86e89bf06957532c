package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.ModelStateException;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feeder of one stream, on its own thread: prepares one video after another, in input order,
 * while the engine works, and submits each of its windows on its own (through the stream's
 * {@link EngineRecovery}) as soon as the video is prepared and its frames fit the
 * {@link FrameBudget}. A video's frames stay open until every one of its requests ended (a second
 * submission after an engine restart included). Each finished video is queued for the calling
 * thread with its input index.
 */
final class StreamFeed {
    /** Under the captioner's name: per-window and per-video logs are the captioner's (the CLI leaves them out). */
    private static final Logger LOG = LoggerFactory.getLogger(VideoCaptioner.class);

    /** A finished video: its index in the input, its result, and how many of its windows failed. */
    record Done(int index, VideoCaptions result, int failedWindows) {}

    private final List<VideoSource> sources;
    private final VideoPreparation preparation;
    private final CaptionRequests requests;
    private final EngineRecovery engine;
    private final FrameBudget budget;
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicReference<QwenVlException> engineGone = new AtomicReference<>();
    private final Thread thread;
    /** Index of the first source not started; final once the thread ended. */
    private volatile int next;

    StreamFeed(List<VideoSource> sources, VideoPreparation preparation, CaptionRequests requests, EngineRecovery engine,
               FrameBudget budget) {
        this.sources = sources;
        this.preparation = preparation;
        this.requests = requests;
        this.engine = engine;
        this.budget = budget;
        this.thread = new Thread(this::run, "qwenvl-captioner-feed");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Starts no more videos; those in flight finish. */
    void stop() {
        stop.set(true);
    }

    /** The next finished video, or null after {@code millis} without one. */
    Done poll(long millis) throws InterruptedException {
        return done.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** True when the feeder ended and every video it started was handed out ({@code reported} of them). */
    boolean finished(int reported) {
        return !thread.isAlive() && reported == started.get();
    }

    /** Index of the first source never started; read once {@link #finished} is true. */
    int next() {
        return next;
    }

    /** Why the engine cannot take more requests (it died and was not restarted), or null. */
    QwenVlException engineGone() {
        return engineGone.get();
    }

    private void run() {
        for (int v = 0; v < sources.size(); v++) {
            next = v;
            if (engine.gaveUp()) {
                engineGone.compareAndSet(null, engine.lostTo());
                return; // the engine is gone for good: start no more videos
            }
            if (stop.get()) {
                return;
            }
            VideoSource source = sources.get(v);
            VideoOutcome outcome = new VideoOutcome(source);
            PreparedVideo video = prepare(source, outcome);
            started.incrementAndGet();
            if (video == null) {
                done.add(new Done(v, outcome.result(), 0));
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
            submit(v, video, outcome, bytes);
        }
        next = sources.size();
    }

    private PreparedVideo prepare(VideoSource source, VideoOutcome outcome) {
        try {
            return preparation.prepare(source);
        } catch (QwenVlException e) {
            LOG.warn("Skipping {}: {}", source.displayName(), e.getMessage());
            outcome.fail(e);
        } catch (RuntimeException e) {
            LOG.error("Preparing {} failed: {}", source.displayName(), e.toString(), e);
            outcome.fail(new EngineException("preparing " + source.displayName() + " failed: " + e, e));
        }
        return null;
    }

    private void submit(int index, PreparedVideo video, VideoOutcome outcome, long bytes) {
        List<CompletableFuture<Void>> windows = new ArrayList<>(video.windows().size());
        for (int w = 0; w < video.windows().size(); w++) {
            VideoWindow window = video.windows().get(w);
            EngineRequest request = requests.request(video, w);
            windows.add(engine.submit(request).handle((caption, error) -> {
                if (error == null) {
                    outcome.add(WindowCaption.of(outcome.source().displayName(), window, caption));
                } else {
                    outcome.failWindow(windowError(outcome, window, EngineRecovery.unwrap(error)));
                }
                return null;
            }));
        }
        CompletableFuture.allOf(windows.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            video.close();
            budget.release(bytes);
            done.add(new Done(index, outcome.result(), outcome.failedWindows()));
        });
    }

    private QwenVlException windowError(VideoOutcome outcome, VideoWindow window, Throwable cause) {
        QwenVlException e = cause instanceof QwenVlException q ? q
                : new EngineException("window " + window.windowIndex() + " of " + outcome.source().displayName()
                        + " failed: " + cause, cause);
        if (e instanceof EngineDiedException && engine.gaveUp() || e instanceof ModelStateException) {
            engineGone.compareAndSet(null, e);
            stop.set(true); // the engine is gone for good: start no more videos
        } else if (e instanceof EngineDiedException) {
            LOG.warn("Window {} of {} was in flight at two engine deaths; it is not submitted again: {}",
                    window.windowIndex(), outcome.source().displayName(), e.getMessage());
        } else {
            LOG.warn("Window {} of {} failed: {}", window.windowIndex(), outcome.source().displayName(), e.getMessage());
        }
        return e;
    }
}
