package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.ModelStateException;
import dev.qwenvl.video.DecodeCancelledException;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feeder of one stream: prepares up to {@code lanes} videos at once, in input order, while
 * the engine works, and submits each of its windows on its own (through the stream's
 * {@link EngineRecovery}) as soon as the video is prepared.
 *
 * <p>Decode lanes: a dispatcher thread ({@code qwenvl-captioner-feed}) hands video after video to
 * {@code lanes} lane threads ({@code qwenvl-decode-lane-N}). A lane probes its video and plans its
 * windows ({@link VideoPreparation#plan}), takes the video's frame bytes from the
 * {@link FrameBudget} before the decode starts (in input order: {@link Turns}), decodes it on a
 * {@link DecodeLane} (with the decoder of the embedded Python, on a Python thread of its own, the
 * interpreter thread only starting and polling it), and submits it when every earlier video was
 * submitted (input order again). So the engines see the same videos, windows and frames in the
 * same order as with one lane; only the decodes overlap. One engine or a pool: the lanes feed the
 * one {@link EngineRecovery}, whose engine (an {@code EnginePool} with {@code --devices}) routes
 * each request to a member (filling each to the pool fill, then the least-loaded).
 *
 * <p>A video's frames stay open until every one of its requests ended (a second submission after
 * an engine restart included). Each finished video is queued for the calling thread with its
 * input index. {@link #stop} starts no more videos: lanes still decoding are cancelled (their
 * frames released), the videos already submitted finish.
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
    private final int lanes;
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicReference<QwenVlException> engineGone = new AtomicReference<>();
    private final Thread thread;
    private final ExecutorService laneThreads;
    private final Semaphore freeLanes;
    /** Videos take their frame bytes from the budget in input order. */
    private final Turns budgetTurns = new Turns();
    /** Videos are submitted (or reported failed) in input order; the videos that passed were started. */
    private final Turns submitTurns = new Turns();
    /** Index of the first source not started; final once the thread ended. */
    private volatile int next;

    StreamFeed(List<VideoSource> sources, VideoPreparation preparation, CaptionRequests requests, EngineRecovery engine,
               FrameBudget budget, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be 1 or more, got " + lanes);
        }
        this.sources = sources;
        this.preparation = preparation;
        this.requests = requests;
        this.engine = engine;
        this.budget = budget;
        this.lanes = lanes;
        this.freeLanes = new Semaphore(lanes);
        this.thread = new Thread(this::run, "qwenvl-captioner-feed");
        this.thread.setDaemon(true);
        AtomicInteger laneNumber = new AtomicInteger();
        this.laneThreads = Executors.newFixedThreadPool(lanes, r -> {
            Thread t = new Thread(r, "qwenvl-decode-lane-" + laneNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.start();
    }

    /** Starts no more videos; lanes still decoding are cancelled; videos submitted finish. */
    void stop() {
        stop.set(true);
    }

    /** The next finished video, or null after {@code millis} without one. */
    Done poll(long millis) throws InterruptedException {
        return done.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** True when the feeder and its lanes ended and every video it started was handed out ({@code reported} of them). */
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

    /** The dispatcher: one video to each free lane, in input order; ends when its lanes ended. */
    private void run() {
        try {
            for (int v = 0; v < sources.size(); v++) {
                if (engine.gaveUp()) {
                    engineGone.compareAndSet(null, engine.lostTo());
                    break; // the engine is gone for good: start no more videos
                }
                if (!awaitFreeLane()) {
                    break;
                }
                int index = v;
                laneThreads.execute(() -> {
                    try {
                        lane(index);
                    } finally {
                        freeLanes.release();
                    }
                });
            }
        } finally {
            laneThreads.shutdown();
            awaitLanes();
            next = submitTurns.passed();
        }
    }

    private boolean awaitFreeLane() {
        try {
            while (!freeLanes.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (stopped()) {
                    return false;
                }
            }
            if (stopped()) {
                freeLanes.release();
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            stop.set(true);
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every lane ends: a decode ends by itself or at its next frame once stopped, and every wait looks at stop. */
    private void awaitLanes() {
        boolean interrupted = false;
        while (true) {
            try {
                if (laneThreads.awaitTermination(50, TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
                stop.set(true);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean stopped() {
        if (engine.gaveUp()) {
            engineGone.compareAndSet(null, engine.lostTo());
            stop.set(true);
        }
        return stop.get();
    }

    /** One video on one lane: plan, budget (in turn), decode, submit (in turn). */
    private void lane(int index) {
        VideoSource source = sources.get(index);
        VideoOutcome outcome = new VideoOutcome(source);
        VideoPreparation.Plan plan = null;
        PreparedVideo video = null;
        long held = 0;
        boolean submitted = false;
        try {
            try {
                plan = preparation.plan(source);
            } catch (DecodeCancelledException e) {
                return;
            } catch (RuntimeException e) {
                fail(outcome, e);
            }
            if (!budgetTurns.await(index, this::stopped)) {
                return; // stopped: this video is not started
            }
            try {
                if (plan != null && !stopped()) {
                    if (!budget.acquire(plan.frameBytes(), this::stopped)) {
                        return;
                    }
                    held = plan.frameBytes();
                }
            } finally {
                budgetTurns.advance();
            }
            if (plan != null && !stopped()) {
                try {
                    video = preparation.decode(plan, DecodeLane.of(lanes, this::stopped));
                    long actual = video.frameBytes();
                    budget.adjust(actual - held);
                    held = actual;
                } catch (DecodeCancelledException e) {
                    return;
                } catch (RuntimeException e) {
                    fail(outcome, e);
                    budget.release(held);
                    held = 0;
                }
            }
            if (!submitTurns.await(index, this::stopped) || stopped()) {
                return; // the turn is kept: the videos behind this one stop too
            }
            started.incrementAndGet();
            submitted = true;
            try {
                if (video == null) {
                    done.add(new Done(index, outcome.result(), 0));
                } else {
                    submit(index, video, outcome, held);
                }
            } finally {
                submitTurns.advance();
            }
        } catch (InterruptedException e) {
            stop.set(true);
            Thread.currentThread().interrupt();
        } finally {
            if (!submitted) {
                if (video != null) {
                    video.close();
                }
                budget.release(held);
            }
        }
    }

    private static void fail(VideoOutcome outcome, RuntimeException e) {
        VideoSource source = outcome.source();
        if (e instanceof QwenVlException q) {
            LOG.warn("Skipping {}: {}", source.displayName(), q.getMessage());
            outcome.fail(q);
        } else {
            LOG.error("Preparing {} failed: {}", source.displayName(), e.toString(), e);
            outcome.fail(new EngineException("preparing " + source.displayName() + " failed: " + e, e));
        }
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
