package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineDiedException;
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
 * Videos whose windows are all in the output already (same {@link RunFingerprint}) are skipped
 * before any work; a window of a partly captioned video that already has its line is not written
 * twice.
 *
 * <p>Engine deaths are the library's: the stream restarts a dead engine and captions again the
 * windows it held. This class only reports: a window the library gave up on (the engine died
 * again after its restart, or could not be restarted) is in the errors file as
 * {@code ENGINE_DIED}, and the run then ends with exit 2, naming the errors file; a rerun
 * captions what is missing.
 */
final class CaptionJob {

    /**
     * Captions videos as a stream, handing each finished video to {@code onVideo} on the calling
     * thread, and returns the videos it did not start (after the engine was lost or an interrupt);
     * {@code VideoCaptioner::stream} in production.
     */
    @FunctionalInterface
    interface StreamCaptioner {
        List<VideoSource> stream(List<VideoSource> sources, CaptionProgress progress, Consumer<VideoCaptions> onVideo);
    }

    /**
     * The videos still to caption.
     *
     * @param pending videos without a complete set of lines
     * @param skipped how many were complete already
     */
    record Plan(List<Path> pending, int skipped) {}

    private final StreamCaptioner captioner;
    private final String modelId;
    private final String config;
    private final CaptionsFile out;
    private final ErrorsFile errors;
    private final ConsoleProgress progress;

    /**
     * A streaming run: videos are captioned as one stream and each video's lines are written as
     * soon as its windows are done.
     */
    CaptionJob(StreamCaptioner captioner, String modelId, String config, CaptionsFile out, ErrorsFile errors,
               ConsoleProgress progress) {
        this.captioner = Objects.requireNonNull(captioner, "captioner");
        this.modelId = modelId;
        this.config = config;
        this.out = out;
        this.errors = errors;
        this.progress = progress;
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
        if (!sources.isEmpty()) {
            counts.lastNanos = System.nanoTime();
            List<VideoSource> notStarted = captioner.stream(sources, progress, r -> write(r, counts));
            if (counts.died != null) {
                throw engineLost(counts, notStarted.size());
            }
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
        /** The first window the library gave up on after an engine death. */
        EngineDiedException died;
        int diedVideos;
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
            if (counts.died == null) {
                counts.died = d;
            }
            counts.diedVideos++;
        }
        String video = ((VideoSource.VideoFile) r.source()).path().toString();
        Integer count = r.succeeded() ? r.captions().size() : null;
        int videoWindows = r.captions().size();
        List<CaptionLine> lines = new ArrayList<>();
        for (WindowCaption c : r.captions()) {
            CaptionLine line = new CaptionLine(video, c.window().windowIndex(), count, c.window().firstFrame(),
                    c.window().lastFrame(), c.window().startSeconds(), c.window().endSeconds(), c.caption(),
                    modelId, c.stage(), config, seconds, videoWindows, facts(c), c.captionJson());
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

    /** The facts of a window's caption as its line carries them. */
    static CaptionLine.Facts facts(WindowCaption c) {
        return new CaptionLine.Facts(c.finishReason(), c.truncated(), c.promptTokens(), c.outputTokens(),
                c.timings().queuedSeconds(), c.timings().firstTokenSeconds(), c.timings().totalSeconds(),
                c.stage1Caption());
    }

    /**
     * The library gave up on an engine death (the engine died again after its restart, or could
     * not be restarted): exit 2, saying what was lost and where it is recorded.
     */
    private CliFailure engineLost(Counts counts, int notStarted) {
        return new CliFailure(ExitCodes.CANNOT_START, "the engine died and could not be restarted, or died again "
                + "after its restart (" + counts.died.getMessage() + "); the windows of " + counts.diedVideos + " video"
                + (counts.diedVideos == 1 ? "" : "s") + " it lost are in " + errors.path() + " as ENGINE_DIED"
                + (notStarted > 0 ? ", " + notStarted + " video" + (notStarted == 1 ? " was" : "s were") + " not started" : "")
                + "; rerun the same command to caption the rest", counts.died);
    }
}
