package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Captions a list of videos into a {@link CaptionsFile}, resumably.
 *
 * <p>The CLI streams ({@link StreamCaptioner}, {@code VideoCaptioner::stream}): each video's
 * caption lines are appended and fsynced as soon as all its windows are done, then its failure
 * goes to the {@link ErrorsFile}. A crash or Ctrl-C therefore loses at most the videos in flight.
 * With a {@link GroupCaptioner} each group of {@code groupSize} videos is one captioning call and
 * its videos are written when the call returns. Videos whose windows are all in the
 * output already (same {@link RunFingerprint}) are skipped before any work; a window of a
 * partly captioned video that already has its line is not written twice. When the engine's process
 * dies, the windows in flight are reported with reason {@code ENGINE_DIED}, the engine is
 * restarted once and the videos not yet started are captioned; a second death, or a restart that fails, ends the run with
 * exit 2.
 */
final class CaptionJob {

    /** Captions one group of videos; {@code VideoCaptioner::caption}. */
    @FunctionalInterface
    interface GroupCaptioner {
        List<VideoCaptions> caption(List<VideoSource> sources, CaptionProgress progress);
    }

    /**
     * Captions videos as a stream, handing each finished video to {@code onVideo} on the calling
     * thread, and returns the videos it did not start (after an engine death or an interrupt);
     * {@code VideoCaptioner::stream} in production.
     */
    @FunctionalInterface
    interface StreamCaptioner {
        List<VideoSource> stream(List<VideoSource> sources, CaptionProgress progress, Consumer<VideoCaptions> onVideo);
    }

    /**
     * A group captioner as a stream: {@code groupSize} videos per call, each group's results
     * handed over when the call returns; stops after a group in which the engine died.
     */
    static StreamCaptioner inGroups(GroupCaptioner captioner, int groupSize) {
        return (sources, progress, onVideo) -> {
            for (int start = 0; start < sources.size(); start += groupSize) {
                List<VideoSource> group = sources.subList(start, Math.min(sources.size(), start + groupSize));
                boolean died = false;
                for (VideoCaptions r : captioner.caption(group, progress)) {
                    died |= r.error() instanceof EngineDiedException;
                    onVideo.accept(r);
                }
                if (died) {
                    return List.copyOf(sources.subList(start + group.size(), sources.size()));
                }
            }
            return List.of();
        };
    }

    /**
     * The videos still to caption.
     *
     * @param pending videos without a complete set of lines
     * @param skipped how many were complete already
     */
    record Plan(List<Path> pending, int skipped) {}

    /** Starts a new engine after the engine's process died; {@code QwenVL::setup} in production. */
    @FunctionalInterface
    interface EngineRestart {
        void restart();
    }

    /** How many times a run restarts a dead engine before it gives up (exit 2). */
    static final int ENGINE_RESTARTS = 1;

    private final StreamCaptioner captioner;
    private final String modelId;
    private final String config;
    private final CaptionsFile out;
    private final ErrorsFile errors;
    private final ConsoleProgress progress;
    private final EngineRestart engineRestart;
    private int restartsLeft = ENGINE_RESTARTS;

    CaptionJob(GroupCaptioner captioner, String modelId, String config, int groupSize, CaptionsFile out,
               ErrorsFile errors, ConsoleProgress progress) {
        this(captioner, modelId, config, groupSize, out, errors, progress, () -> {
            throw new EngineException("this run cannot restart the engine");
        });
    }

    /**
     * @param engineRestart starts a new engine when a group's windows failed because the engine
     *                      died; at most {@link #ENGINE_RESTARTS} times per run
     */
    CaptionJob(GroupCaptioner captioner, String modelId, String config, int groupSize, CaptionsFile out,
               ErrorsFile errors, ConsoleProgress progress, EngineRestart engineRestart) {
        this(inGroups(Objects.requireNonNull(captioner, "captioner"), checkGroupSize(groupSize)), modelId, config, out,
                errors, progress, engineRestart);
    }

    /**
     * A streaming run: videos are captioned as one stream and each video's lines are written as
     * soon as its windows are done.
     *
     * @param engineRestart starts a new engine when the engine died; at most
     *                      {@link #ENGINE_RESTARTS} times per run, then the videos not started
     *                      are streamed again
     */
    CaptionJob(StreamCaptioner captioner, String modelId, String config, CaptionsFile out, ErrorsFile errors,
               ConsoleProgress progress, EngineRestart engineRestart) {
        this.captioner = Objects.requireNonNull(captioner, "captioner");
        this.modelId = modelId;
        this.config = config;
        this.out = out;
        this.errors = errors;
        this.progress = progress;
        this.engineRestart = Objects.requireNonNull(engineRestart, "engineRestart");
    }

    private static int checkGroupSize(int groupSize) {
        if (groupSize < 1) {
            throw new IllegalArgumentException("group size must be at least 1, got " + groupSize);
        }
        return groupSize;
    }

    /** Splits {@code videos} into those already complete in {@code state} and those to caption. */
    static Plan plan(List<Path> videos, ResumeState state, String config) {
        List<Path> pending = new ArrayList<>();
        for (Path v : videos) {
            if (!state.isComplete(v.toString(), config)) {
                pending.add(v);
            }
        }
        return new Plan(pending, videos.size() - pending.size());
    }

    /** Captions {@code plan.pending()}; returns the run's figures. */
    RunSummary run(Plan plan, int videosFound) throws IOException {
        Counts counts = new Counts();
        List<String> badPaths = new ArrayList<>();
        List<VideoSource> sources = new ArrayList<>();
        for (Path p : plan.pending()) {
            try {
                sources.add(new VideoSource.VideoFile(p));
            } catch (VideoInputException e) {
                badPaths.add(ErrorsFile.line(p.toString(), e));
            }
        }
        errors.append(badPaths);
        counts.failed += badPaths.size();
        progress.videosDone(badPaths.size());
        while (!sources.isEmpty()) {
            counts.died = null;
            counts.lastNanos = System.nanoTime();
            List<VideoSource> notStarted = captioner.stream(sources, progress, r -> write(r, counts));
            if (notStarted.isEmpty() || counts.died == null) {
                break; // all done, or stopped for another reason (an interrupt): rerun to resume
            }
            restartAfter(counts.died);
            sources = notStarted;
        }
        return new RunSummary(videosFound, plan.skipped(), counts.captioned, counts.failed, counts.windows,
                progress.elapsedSeconds());
    }

    /** What the run did so far; touched on the run's thread only. */
    private static final class Counts {
        int captioned;
        int failed;
        long windows;
        long lastNanos;
        EngineDiedException died;
    }

    /**
     * Appends (and syncs) one finished video's lines, then its failure. A line's timing fields
     * describe this video: the wall time since the previous video was written, and its windows.
     */
    private void write(VideoCaptions r, Counts counts) {
        long now = System.nanoTime();
        double seconds = (now - counts.lastNanos) / 1e9;
        counts.lastNanos = now;
        if (r.error() instanceof EngineDiedException d) {
            counts.died = d;
        }
        String video = ((VideoSource.VideoFile) r.source()).path().toString();
        Integer count = r.succeeded() ? r.captions().size() : null;
        int videoWindows = r.captions().size();
        List<CaptionLine> lines = new ArrayList<>();
        for (WindowCaption c : r.captions()) {
            CaptionLine line = new CaptionLine(video, c.window().windowIndex(), count, c.window().firstFrame(),
                    c.window().lastFrame(), c.window().startSeconds(), c.window().endSeconds(), c.caption(),
                    modelId, c.stage(), config, seconds, videoWindows);
            if (!out.resumeState().contains(line.key())) {
                lines.add(line);
            }
        }
        try {
            out.append(lines);
            if (r.succeeded()) {
                counts.captioned++;
            } else {
                errors.append(List.of(ErrorsFile.line(video, r.error())));
                counts.failed++;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        counts.windows += lines.size();
        progress.videosDone(1);
    }

    /**
     * The engine died during the group just written (its lost windows are in the errors file as
     * {@code ENGINE_DIED}): restart it once and go on, else stop the run with exit 2.
     */
    private void restartAfter(EngineDiedException died) {
        if (restartsLeft <= 0) {
            throw new CliFailure(ExitCodes.CANNOT_START, "the engine died again after it was restarted ("
                    + died.getMessage() + "); the windows it lost are in " + errors.path()
                    + " as ENGINE_DIED; rerun the same command to caption the rest");
        }
        restartsLeft--;
        progress.note("qwenvl caption: the engine died (" + died.getMessage() + "); its windows in flight are in "
                + errors.path() + " as ENGINE_DIED; restarting the engine");
        try {
            engineRestart.restart();
        } catch (RuntimeException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, "the engine died and could not be restarted: " + e.getMessage()
                    + "; the windows it lost are in " + errors.path() + " as ENGINE_DIED", e);
        }
    }
}
