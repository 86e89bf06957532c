package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resumable group loop, with a fake captioner instead of the model (no Python). */
class CaptionJobTest {
    private static final String CONFIG = "cfg123";

    /** Captions every video with as many windows as the digit in its name; "bad" fails; "half" loses window 1. */
    private static class FakeCaptioner implements CaptionJob.GroupCaptioner {
        final List<List<String>> groups = new ArrayList<>();

        @Override
        public List<VideoCaptions> caption(List<VideoSource> sources, dev.qwenvl.caption.CaptionProgress progress) {
            groups.add(sources.stream().map(VideoSource::displayName).toList());
            List<VideoCaptions> out = new ArrayList<>();
            for (VideoSource s : sources) {
                String name = ((VideoSource.VideoFile) s).path().getFileName().toString();
                if (name.startsWith("dies")) {
                    out.add(new VideoCaptions(s, List.of(), new EngineDiedException("engine process EngineCore (pid 7) "
                            + "was killed by signal 9 (SIGKILL)", "EngineCore", 7, null, "SIGKILL", null)));
                    continue;
                }
                if (name.startsWith("bad")) {
                    out.add(new VideoCaptions(s, List.of(), new VideoInputException(s.displayName(),
                            VideoInputException.Reason.CORRUPT_STREAM, "cannot decode")));
                    continue;
                }
                int windows = Character.getNumericValue(name.charAt(name.indexOf('.') - 1));
                List<WindowCaption> captions = new ArrayList<>();
                for (int w = 0; w < windows; w++) {
                    if (name.startsWith("half") && w == 1) {
                        continue;
                    }
                    captions.add(new WindowCaption(s.displayName(), new VideoWindow(w, w * 10, w * 10 + 9, w, w + 1,
                            List.of(w * 10, w * 10 + 5), 2.0), "caption of " + name + " #" + w, 1));
                }
                EngineException error = name.startsWith("half") ? new EngineException("window 1 failed") : null;
                out.add(new VideoCaptions(s, captions, error));
                progress.windowsDone(captions.size());
            }
            return out;
        }
    }

    private static List<Path> videos(Path dir, String... names) throws Exception {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            out.add(Files.writeString(dir.resolve(n), "x"));
        }
        return out;
    }

    private static RunSummary run(Path dir, List<Path> videos, FakeCaptioner captioner, int groupSize) throws Exception {
        return run(dir, videos, captioner, groupSize, () -> {
            throw new AssertionError("no restart expected");
        });
    }

    private static RunSummary run(Path dir, List<Path> videos, FakeCaptioner captioner, int groupSize,
                                  CaptionJob.EngineRestart restart) throws Exception {
        StringWriter sink = new StringWriter();
        PrintWriter err = new PrintWriter(sink, true);
        try (CaptionsFile out = CaptionsFile.open(dir.resolve("out.jsonl"), err);
             ErrorsFile errors = ErrorsFile.open(dir.resolve("out.errors.jsonl"))) {
            CaptionJob.Plan plan = CaptionJob.plan(videos, out.resumeState(), CONFIG);
            ConsoleProgress progress = new ConsoleProgress(err, false, plan.pending().size(), System::nanoTime);
            return new CaptionJob(captioner, "Qwen/Test", CONFIG, groupSize, out, errors, progress, restart)
                    .run(plan, videos.size());
        }
    }

    private static List<CaptionLine> lines(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("out.jsonl")).stream().map(CaptionLine::parse).toList();
    }

    @Test
    void everyWindowGetsOneLineAndARerunSkipsCompleteVideos(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "b2.mp4", "c3.mp4");
        FakeCaptioner first = new FakeCaptioner();
        RunSummary s = run(dir, videos, first, 2);
        assertEquals(2, first.groups.size(), "two groups of at most two videos");
        assertEquals(new RunSummary(3, 0, 3, 0, 6, s.seconds()), s);
        List<CaptionLine> lines = lines(dir);
        assertEquals(6, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.config().equals(CONFIG) && l.model().equals("Qwen/Test")));
        assertEquals(List.of(3, 3, 3), lines.stream().filter(l -> l.video().endsWith("c3.mp4")).map(CaptionLine::windows).toList());

        FakeCaptioner second = new FakeCaptioner();
        RunSummary again = run(dir, videos, second, 2);
        assertTrue(second.groups.isEmpty(), "nothing is captioned again");
        assertEquals(3, again.skipped());
        assertEquals(6, lines(dir).size());
    }

    @Test
    void aFailedVideoGoesToTheErrorsFileAndTheOthersAreWritten(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "bad1.mp4", "c2.mp4");
        RunSummary s = run(dir, videos, new FakeCaptioner(), 8);
        assertEquals(2, s.captioned());
        assertEquals(1, s.failed());
        assertEquals(3, lines(dir).size());
        List<Map<String, Object>> errors = Files.readAllLines(dir.resolve("out.errors.jsonl")).stream().map(Json::parseObject).toList();
        assertEquals(1, errors.size());
        assertEquals(videos.get(1).toString(), errors.get(0).get("video"));
        assertEquals("CORRUPT_STREAM", errors.get(0).get("reason"));
        assertTrue(((String) errors.get(0).get("message")).contains("cannot decode"));
    }

    @Test
    void aVideoThatVanishedBeforeItsGroupIsReportedNotFatal(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "gone1.mp4");
        Files.delete(videos.get(1));
        RunSummary s = run(dir, videos, new FakeCaptioner(), 8);
        assertEquals(1, s.failed());
        assertTrue(Files.readString(dir.resolve("out.errors.jsonl")).contains("MISSING_FILE"));
    }

    @Test
    void aPartlyCaptionedVideoIsRetriedAndOnlyItsMissingWindowsAreAdded(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "half3.mp4");
        RunSummary first = run(dir, videos, new FakeCaptioner(), 8);
        assertEquals(1, first.failed());
        assertEquals(List.of(0, 2), lines(dir).stream().map(CaptionLine::window).toList());
        assertTrue(lines(dir).stream().allMatch(l -> l.windows() == null), "incomplete videos carry no window count");

        // The rerun captions the same video completely this time.
        FakeCaptioner succeeding = new FakeCaptioner() {
            @Override
            public List<VideoCaptions> caption(List<VideoSource> sources, dev.qwenvl.caption.CaptionProgress progress) {
                VideoSource s = sources.get(0);
                List<WindowCaption> all = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    all.add(new WindowCaption(s.displayName(), new VideoWindow(w, w * 10, w * 10 + 9, w, w + 1,
                            List.of(w * 10, w * 10 + 5), 2.0), "retry #" + w, 1));
                }
                return List.of(new VideoCaptions(s, all, null));
            }
        };
        RunSummary second = run(dir, videos, succeeding, 8);
        assertEquals(0, second.failed());
        assertEquals(1, second.windows(), "only window 1 was missing");
        Map<Integer, Long> perWindow = lines(dir).stream().collect(Collectors.groupingBy(CaptionLine::window, Collectors.counting()));
        assertEquals(Map.of(0, 1L, 1, 1L, 2, 1L), perWindow);
        assertEquals(0, Files.size(dir.resolve("out.errors.jsonl")), "the errors file lists the latest run only");
        assertEquals(1, run(dir, videos, new FakeCaptioner(), 8).skipped(), "complete now");
    }

    @Test
    void eachGroupIsOnDiskBeforeTheNextGroupStarts(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "b1.mp4", "c1.mp4");
        List<Integer> linesSeenAtGroupStart = new ArrayList<>();
        FakeCaptioner observing = new FakeCaptioner() {
            @Override
            public List<VideoCaptions> caption(List<VideoSource> sources, dev.qwenvl.caption.CaptionProgress progress) {
                try {
                    Path out = dir.resolve("out.jsonl");
                    linesSeenAtGroupStart.add(Files.exists(out) ? Files.readAllLines(out).size() : 0);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return super.caption(sources, progress);
            }
        };
        run(dir, videos, observing, 1);
        assertEquals(List.of(0, 1, 2), linesSeenAtGroupStart);
    }

    @Test
    void anEngineDeathRecordsTheLostVideoAsEngineDiedRestartsOnceAndGoesOn(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "dies1.mp4", "b1.mp4", "c2.mp4");
        FakeCaptioner captioner = new FakeCaptioner();
        java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();
        RunSummary s = run(dir, videos, captioner, 1, restarts::incrementAndGet);
        assertEquals(1, restarts.get(), "the engine is restarted once");
        assertEquals(3, captioner.groups.size(), "the run went on after the restart");
        assertEquals(2, s.captioned());
        assertEquals(1, s.failed());
        List<Map<String, Object>> errors = Files.readAllLines(dir.resolve("out.errors.jsonl")).stream().map(Json::parseObject).toList();
        assertEquals(1, errors.size());
        assertEquals("ENGINE_DIED", errors.get(0).get("reason"));
        assertTrue(((String) errors.get(0).get("message")).contains("SIGKILL"));
    }

    @Test
    void aSecondEngineDeathOrAFailedRestartStopsTheRunWithExitTwo(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "dies1.mp4", "dies2.mp4", "c1.mp4");
        CliFailure again = org.junit.jupiter.api.Assertions.assertThrows(CliFailure.class,
                () -> run(dir, videos, new FakeCaptioner(), 1, () -> { }));
        assertEquals(ExitCodes.CANNOT_START, again.exitCode());
        assertTrue(again.getMessage().contains("died again"), again.getMessage());
        assertEquals(2, Files.readAllLines(dir.resolve("out.errors.jsonl")).size(), "both deaths are recorded");

        CliFailure noRestart = org.junit.jupiter.api.Assertions.assertThrows(CliFailure.class,
                () -> run(dir, videos, new FakeCaptioner(), 1, () -> {
                    throw new EngineException("no memory for a new engine");
                }));
        assertEquals(ExitCodes.CANNOT_START, noRestart.exitCode());
        assertTrue(noRestart.getMessage().contains("could not be restarted: no memory"), noRestart.getMessage());
    }

    @Test
    void anEngineDeathInTheLastGroupNeedsNoRestartAndTheRunEndsWithFailures(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "dies1.mp4");
        RunSummary s = run(dir, videos, new FakeCaptioner(), 1);
        assertEquals(1, s.failed());
    }
}
