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

/** The resumable run over the stream, with a fake captioner instead of the model (no Python). */
class CaptionJobTest {
    private static final String CONFIG = "cfg123";

    /**
     * Captions every video with as many windows as the digit in its name; "bad" fails; "half" loses
     * window 1; "dies" is a video whose windows the library gave up on after an engine death.
     */
    private static class FakeCaptioner {
        final List<List<String>> groups = new ArrayList<>();

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

    private static RunSummary run(Path dir, List<Path> videos, FakeCaptioner captioner) throws Exception {
        return runStreaming(dir, videos, streaming(captioner, new ArrayList<>(), () -> { }));
    }

    private static List<CaptionLine> lines(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("out.jsonl")).stream().map(CaptionLine::parse).toList();
    }

    @Test
    void everyWindowGetsOneLineAndARerunSkipsCompleteVideos(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "b2.mp4", "c3.mp4");
        FakeCaptioner first = new FakeCaptioner();
        RunSummary s = run(dir, videos, first);
        assertEquals(3, first.groups.size(), "each video captioned once");
        assertEquals(new RunSummary(3, 0, 3, 0, 6, s.seconds()), s);
        List<CaptionLine> lines = lines(dir);
        assertEquals(6, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.config().equals(CONFIG) && l.model().equals("Qwen/Test")));
        assertEquals(List.of(3, 3, 3), lines.stream().filter(l -> l.video().endsWith("c3.mp4")).map(CaptionLine::windows).toList());

        FakeCaptioner second = new FakeCaptioner();
        RunSummary again = run(dir, videos, second);
        assertTrue(second.groups.isEmpty(), "nothing is captioned again");
        assertEquals(3, again.skipped());
        assertEquals(6, lines(dir).size());
    }

    @Test
    void aFailedVideoGoesToTheErrorsFileAndTheOthersAreWritten(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "bad1.mp4", "c2.mp4");
        RunSummary s = run(dir, videos, new FakeCaptioner());
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
        RunSummary s = run(dir, videos, new FakeCaptioner());
        assertEquals(1, s.failed());
        assertTrue(Files.readString(dir.resolve("out.errors.jsonl")).contains("MISSING_FILE"));
    }

    /**
     * {@code captions-schema1.jsonl} was written by the version before the facts (schema 1, no
     * {@code schema} field): video a2 complete, b3 without its window 1. Its paths are moved into
     * the test's folder.
     */
    @Test
    void anOutputOfTheVersionBeforeTheFactsResumesAndKeepsItsLinesAsTheyAre(@TempDir Path dir) throws Exception {
        String old;
        try (var in = CaptionJobTest.class.getResourceAsStream("captions-schema1.jsonl")) {
            old = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("/data/run/", dir + "/");
        }
        Files.writeString(dir.resolve("out.jsonl"), old);
        List<Path> videos = videos(dir, "a2.mp4", "b3.mp4", "c1.mp4");
        FakeCaptioner captioner = new FakeCaptioner();
        RunSummary s = run(dir, videos, captioner);
        assertEquals(List.of(List.of(dir.resolve("b3.mp4").toString()), List.of(dir.resolve("c1.mp4").toString())),
                captioner.groups, "a2 is complete in the old file; b3 is captioned again for its missing window");
        assertEquals(1, s.skipped());
        String now = Files.readString(dir.resolve("out.jsonl"));
        assertTrue(now.startsWith(old), "the old lines are kept byte for byte");
        List<CaptionLine> lines = lines(dir);
        assertEquals(List.of(1, 1, 1, 1, 2, 2), lines.stream().map(CaptionLine::schema).toList());
        assertEquals(List.of("b3.mp4#1", "c1.mp4#0"), lines.subList(4, 6).stream()
                .map(l -> Path.of(l.video()).getFileName() + "#" + l.window()).toList());
        assertEquals("a \"quoted\" caption\nwith 视频", lines.get(2).caption());
        assertEquals(0, run(dir, videos, new FakeCaptioner()).windows(), "a rerun over the mixed file adds nothing");
    }

    @Test
    void aPartlyCaptionedVideoIsRetriedAndOnlyItsMissingWindowsAreAdded(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "half3.mp4");
        RunSummary first = run(dir, videos, new FakeCaptioner());
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
        RunSummary second = run(dir, videos, succeeding);
        assertEquals(0, second.failed());
        assertEquals(1, second.windows(), "only window 1 was missing");
        Map<Integer, Long> perWindow = lines(dir).stream().collect(Collectors.groupingBy(CaptionLine::window, Collectors.counting()));
        assertEquals(Map.of(0, 1L, 1, 1L, 2, 1L), perWindow);
        assertEquals(0, Files.size(dir.resolve("out.errors.jsonl")), "the errors file lists the latest run only");
        assertEquals(1, run(dir, videos, new FakeCaptioner()).skipped(), "complete now");
    }

    @Test
    void windowsTheLibraryLostToAnEngineDeathAreRecordedAndTheRunEndsWithExitTwo(@TempDir Path dir) throws Exception {
        // the library restarts a dead engine and captions its windows again; a video comes back
        // with ENGINE_DIED only when it gave up (died again after the restart, or no restart)
        List<Path> videos = videos(dir, "a1.mp4", "dies1.mp4", "b2.mp4", "c1.mp4");
        List<List<String>> calls = new ArrayList<>();
        CliFailure lost = org.junit.jupiter.api.Assertions.assertThrows(CliFailure.class,
                () -> runStreaming(dir, videos, streaming(new FakeCaptioner(), calls, () -> { })));
        assertEquals(ExitCodes.CANNOT_START, lost.exitCode());
        assertTrue(lost.getMessage().contains("died again") && lost.getMessage().contains("out.errors.jsonl")
                && lost.getMessage().contains("2 videos were not started"), lost.getMessage());
        assertEquals(1, calls.size(), "the CLI does not restart anything: one stream");
        List<Map<String, Object>> errors = Files.readAllLines(dir.resolve("out.errors.jsonl")).stream().map(Json::parseObject).toList();
        assertEquals(1, errors.size());
        assertEquals("ENGINE_DIED", errors.get(0).get("reason"));
        assertTrue(((String) errors.get(0).get("message")).contains("SIGKILL"));
        assertEquals(1, lines(dir).size(), "the video done before is written");
    }

    /** A stream over {@link FakeCaptioner}: one video at a time, each handed over at once; stops after a death. */
    private static CaptionJob.StreamCaptioner streaming(FakeCaptioner fake, List<List<String>> calls,
                                                        Runnable afterEachVideo) {
        return (sources, progress, onVideo) -> {
            calls.add(sources.stream().map(VideoSource::displayName).toList());
            for (int i = 0; i < sources.size(); i++) {
                VideoCaptions r = fake.caption(List.of(sources.get(i)), progress).get(0);
                onVideo.accept(r);
                afterEachVideo.run();
                if (r.error() instanceof EngineDiedException) {
                    return List.copyOf(sources.subList(i + 1, sources.size()));
                }
            }
            return List.of();
        };
    }

    private static RunSummary runStreaming(Path dir, List<Path> videos, CaptionJob.StreamCaptioner captioner)
            throws Exception {
        StringWriter sink = new StringWriter();
        PrintWriter err = new PrintWriter(sink, true);
        try (CaptionsFile out = CaptionsFile.open(dir.resolve("out.jsonl"), err);
             ErrorsFile errors = ErrorsFile.open(dir.resolve("out.errors.jsonl"))) {
            CaptionJob.Plan plan = CaptionJob.plan(videos, out.resumeState(), CONFIG);
            ConsoleProgress progress = new ConsoleProgress(err, false, plan.pending().size(), System::nanoTime);
            return new CaptionJob(captioner, "Qwen/Test", CONFIG, out, errors, progress).run(plan, videos.size());
        }
    }

    @Test
    void aStreamingRunWritesEachVideosLinesAsSoonAsTheVideoIsDone(@TempDir Path dir) throws Exception {
        List<Path> videos = videos(dir, "a1.mp4", "b2.mp4", "c3.mp4");
        List<Integer> linesOnDisk = new ArrayList<>();
        Runnable look = () -> {
            try {
                linesOnDisk.add(Files.readAllLines(dir.resolve("out.jsonl")).size());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        List<List<String>> calls = new ArrayList<>();
        RunSummary s = runStreaming(dir, videos, streaming(new FakeCaptioner(), calls, look));
        assertEquals(List.of(1, 3, 6), linesOnDisk, "each video is on disk before the next one is done");
        assertEquals(new RunSummary(3, 0, 3, 0, 6, s.seconds()), s);
        assertEquals(1, calls.size(), "one stream for the whole run");
        CaptionLine first = lines(dir).get(0);
        assertEquals(1, first.groupWindows(), "a streamed line's timing is its video's");
        RunSummary again = runStreaming(dir, videos, streaming(new FakeCaptioner(), new ArrayList<>(), () -> { }));
        assertEquals(3, again.skipped());
        assertEquals(6, lines(dir).size(), "nothing is written twice");
    }
}
