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

/**
 * Captions a list of videos into a {@link CaptionsFile}, a group at a time, resumably.
 *
 * <p>Each group of {@code groupSize} videos is one captioning call; when it returns, the group's
 * caption lines are appended and fsynced, then its failures go to the {@link ErrorsFile}. A crash
 * or Ctrl-C therefore loses at most the group in flight. Videos whose windows are all in the
 * output already (same {@link RunFingerprint}) are skipped before any work; a window of a
 * partly captioned video that already has its line is not written twice. When the engine's process
 * dies, the group's lost windows are reported with reason {@code ENGINE_DIED}, the engine is
 * restarted once and the run goes on; a second death, or a restart that fails, ends the run with
 * exit 2.
 */
final class CaptionJob {

    /** Captions one group of videos; {@code VideoCaptioner::caption} in production. */
    @FunctionalInterface
    interface GroupCaptioner {
        List<VideoCaptions> caption(List<VideoSource> sources, CaptionProgress progress);
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

    private final GroupCaptioner captioner;
    private final String modelId;
    private final String config;
    private final int groupSize;
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
        if (groupSize < 1) {
            throw new IllegalArgumentException("group size must be at least 1, got " + groupSize);
        }
        this.captioner = Objects.requireNonNull(captioner, "captioner");
        this.modelId = modelId;
        this.config = config;
        this.groupSize = groupSize;
        this.out = out;
        this.errors = errors;
        this.progress = progress;
        this.engineRestart = Objects.requireNonNull(engineRestart, "engineRestart");
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
        int captioned = 0;
        int failed = 0;
        long windows = 0;
        List<Path> pending = plan.pending();
        for (int start = 0; start < pending.size(); start += groupSize) {
            List<Path> group = pending.subList(start, Math.min(pending.size(), start + groupSize));
            List<String> errorLines = new ArrayList<>();
            List<VideoSource> sources = new ArrayList<>();
            for (Path p : group) {
                try {
                    sources.add(new VideoSource.VideoFile(p));
                } catch (VideoInputException e) {
                    errorLines.add(ErrorsFile.line(p.toString(), e));
                }
            }
            long t0 = System.nanoTime();
            List<VideoCaptions> results = sources.isEmpty() ? List.of() : captioner.caption(sources, progress);
            double seconds = (System.nanoTime() - t0) / 1e9;
            int groupWindows = results.stream().mapToInt(r -> r.captions().size()).sum();
            List<CaptionLine> lines = new ArrayList<>();
            EngineDiedException died = null;
            for (VideoCaptions r : results) {
                if (r.error() instanceof EngineDiedException d) {
                    died = d;
                }
                String video = ((VideoSource.VideoFile) r.source()).path().toString();
                Integer count = r.succeeded() ? r.captions().size() : null;
                for (WindowCaption c : r.captions()) {
                    CaptionLine line = new CaptionLine(video, c.window().windowIndex(), count, c.window().firstFrame(),
                            c.window().lastFrame(), c.window().startSeconds(), c.window().endSeconds(), c.caption(),
                            modelId, c.stage(), config, seconds, groupWindows);
                    if (!out.resumeState().contains(line.key())) {
                        lines.add(line);
                    }
                }
                if (r.succeeded()) {
                    captioned++;
                } else {
                    errorLines.add(ErrorsFile.line(video, r.error()));
                }
            }
            out.append(lines);
            errors.append(errorLines);
            windows += lines.size();
            failed += errorLines.size();
            progress.videosDone(group.size());
            if (died != null && start + groupSize < pending.size()) {
                restartAfter(died);
            }
        }
        return new RunSummary(videosFound, plan.skipped(), captioned, failed, windows, progress.elapsedSeconds());
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
