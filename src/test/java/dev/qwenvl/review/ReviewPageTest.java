package dev.qwenvl.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.WindowThumbnails;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The review page's HTML without a browser or Python: stand-ins probe and draw. */
class ReviewPageTest {
    static final String HOSTILE = "<script>window.hacked=1</script></div></li></ol>\"quoted\" 'single' & <img src=x onerror=alert(1)>";

    @TempDir
    Path dir;

    /** 300 frames at 30 fps: windows 0-299 with the defaults; probe answers that for every existing file. */
    static final class FakeFrames implements VideoDecoder, WindowThumbnails {
        final List<List<VideoWindow>> asked = new ArrayList<>();

        @Override
        public VideoInfo probe(VideoSource source) {
            return new VideoInfo(600, 30, 64, 48, 0);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
            throw new AssertionError("the review page never prepares windows for a model");
        }

        @Override
        public List<List<byte[]>> thumbnails(VideoSource source, List<VideoWindow> windows, int perWindow, int maxSide) {
            asked.add(windows);
            List<List<byte[]>> out = new ArrayList<>();
            for (VideoWindow w : windows) {
                List<byte[]> pictures = new ArrayList<>();
                for (int i = 0; i < Math.min(perWindow, w.sampledFrameIndices().size()); i++) {
                    pictures.add(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) i});
                }
                out.add(pictures);
            }
            return out;
        }
    }

    static String line(String video, int window, int first, int last, String caption, String extra) {
        return "{\"video\":" + json(video) + ",\"window\":" + window + ",\"windows\":2,\"first_frame\":" + first
                + ",\"last_frame\":" + last + ",\"start_seconds\":" + first / 30.0 + ",\"end_seconds\":" + (last + 1) / 30.0
                + ",\"caption\":" + json(caption) + ",\"model\":\"Qwen/Qwen2.5-VL-7B-Instruct\",\"stage\":1,\"config\":\"abc\","
                + "\"timings\":{\"group_seconds\":3.0,\"group_windows\":2,\"seconds_per_window\":1.5}" + extra + "}";
    }

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private Path video(String name) throws IOException {
        Path v = dir.resolve(name);
        Files.write(v, new byte[] {0});
        return v;
    }

    @Test
    void everyWindowIsShownWithItsPicturesCaptionAndFacts() throws IOException {
        Path a = video("a.mp4");
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(
                line(a.toString(), 0, 0, 255, "a red disc", ""),
                line(a.toString(), 1, 256, 599, "a blue sky", ",\"finish_reason\":\"length\",\"output_tokens\":512")),
                StandardCharsets.UTF_8);
        FakeFrames frames = new FakeFrames();
        ReviewPage.Rendered r = ReviewPage.builder(captions).thumbnails(frames, frames).thumbsPerWindow(3).build().render();
        assertEquals(2, r.windows());
        assertEquals(6, r.thumbnails());
        assertEquals(0, r.placeholders());
        assertEquals(1, frames.asked.size(), "one call per video");
        assertEquals(List.of(0, 256), frames.asked.get(0).stream().map(VideoWindow::firstFrame).toList());
        assertEquals(2, count(r.html(), "<li class=\"win"));
        assertEquals(6, count(r.html(), "<img class=\"thumb\" src=\"data:image/jpeg;base64,"));
        assertTrue(r.html().contains("a blue sky"));
        assertTrue(r.html().contains("<dt>output_tokens</dt><dd>512</dd>"), "facts the line has are shown");
        assertTrue(r.html().contains("data-truncated=\"true\""), "finish_reason length means truncated");
        assertTrue(r.html().contains("<dd id=\"stat-truncated\">1</dd>"));
    }

    @Test
    void aHostileCaptionPathAndErrorAreEscaped() throws IOException {
        Path weird = video("x\"><img src=y onerror=alert(2)>.mp4");
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(line(weird.toString(), 0, 0, 255, HOSTILE, "")), StandardCharsets.UTF_8);
        Path errors = dir.resolve("c.errors.jsonl");
        Files.write(errors, List.of("{\"video\":\"/v/<b>bad</b>.mp4\",\"reason\":\"CORRUPT_STREAM\",\"message\":\"</ul><script>x()</script>\"}"),
                StandardCharsets.UTF_8);
        FakeFrames frames = new FakeFrames();
        String html = ReviewPage.builder(captions).errors(errors).thumbnails(frames, frames).build().render().html();
        assertEquals(1, count(html, "<script"), "only the page's own script element: " + html);
        assertFalse(html.contains("<img src=x"));
        assertFalse(html.contains("<img src=y"), "path escaped");
        assertFalse(html.contains("<b>bad</b>"));
        assertTrue(html.contains("&lt;script&gt;window.hacked&#61;1&lt;/script&gt;&lt;/div&gt;")
                || html.contains("&lt;script&gt;window.hacked&#x3D;1&lt;/script&gt;&lt;/div&gt;"), "caption escaped");
        assertTrue(html.contains("&quot;quoted&quot;"));
        assertTrue(html.contains("CORRUPT_STREAM"));
    }

    @Test
    void theScriptAndStyleAreAllowedByHashAndNothingElse() throws IOException {
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(line("/nowhere/a.mp4", 0, 0, 255, "x", "")), StandardCharsets.UTF_8);
        String html = ReviewPage.builder(captions).build().render().html();
        Matcher csp = Pattern.compile("script-src 'sha256-([^']+)'").matcher(html);
        assertTrue(csp.find(), "a script hash in the CSP");
        Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(html);
        assertTrue(script.find());
        String expected = java.util.Base64.getEncoder().encodeToString(sha256(script.group(1)));
        assertEquals(expected, csp.group(1).replace("&#x3D;", "=").replace("&#61;", "="));
        assertTrue(html.contains("default-src 'none'; img-src data:"), "no network: only embedded images");
    }

    @Test
    void movedVideosGetAPlaceholderAndTheOthersTheirPictures() throws IOException {
        Path a = video("a.mp4");
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(
                line("/gone/b.mp4", 0, 0, 255, "gone", ""),
                line(a.toString(), 0, 0, 255, "here", ""),
                line(a.toString(), 1, 256, 400, "changed", "")), StandardCharsets.UTF_8);
        FakeFrames frames = new FakeFrames();
        ReviewPage.Rendered r = ReviewPage.builder(captions).thumbnails(frames, frames).build().render();
        assertEquals(2, r.placeholders());
        assertEquals(4, r.thumbnails());
        assertTrue(r.html().contains("moved or was deleted since captioning"));
        assertTrue(r.html().contains("The video changed since captioning: window 1 was frames 256-400"));
    }

    @Test
    void aSampleIsTheSameForTheSameSeedAndCountsAllWindowsInTheSummary() throws IOException {
        Path captions = dir.resolve("c.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lines.add(line("/v/video" + (i / 5) + ".mp4", i % 5, 0, 255, "caption number " + i + " end", ""));
        }
        Files.write(captions, lines, StandardCharsets.UTF_8);
        ReviewPage.Rendered a = ReviewPage.builder(captions).sample(7, 42).build().render();
        ReviewPage.Rendered b = ReviewPage.builder(captions).sample(7, 42).build().render();
        ReviewPage.Rendered c = ReviewPage.builder(captions).sample(7, 43).build().render();
        assertEquals(7, a.windows());
        assertEquals(50, a.windowsInFile());
        assertEquals(captionsOf(a.html()), captionsOf(b.html()));
        assertNotEquals(captionsOf(a.html()), captionsOf(c.html()));
        assertTrue(a.html().contains("Showing a random sample of 7 of 50 windows (seed 42)"));
        assertTrue(a.html().contains("<dd id=\"stat-windows\">50</dd>"));
    }

    @Test
    void structuredCaptionsShowTheirFieldsAndBadLinesAreReportedNotFatal() throws IOException {
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(
                line("/v/a.mp4", 0, 0, 255, "{\"scene\":\"a kitchen\"}", ",\"caption_json\":{\"scene\":\"a kitchen\",\"objects\":[\"pan\"]}"),
                "not json at all",
                "{\"video\":\"/v/a.mp4\"}"), StandardCharsets.UTF_8);
        ReviewPage.Rendered r = ReviewPage.builder(captions).build().render();
        assertEquals(1, r.windows());
        assertTrue(r.html().contains("<dt>scene</dt><dd>a kitchen</dd>"), r.html());
        assertTrue(r.html().contains("<dt>objects</dt><dd>[&quot;pan&quot;]</dd>"));
        assertTrue(r.html().contains("Lines that are not caption lines (2)"));
    }

    @Test
    void writeReplacesThePageAndReportsItsSize() throws IOException {
        Path captions = dir.resolve("c.jsonl");
        Files.write(captions, List.of(line("/v/a.mp4", 0, 0, 255, "x", "")), StandardCharsets.UTF_8);
        Path out = dir.resolve("out/review.html");
        ReviewReport r = ReviewPage.builder(captions).build().write(out);
        assertEquals(Files.size(out), r.bytes());
        assertEquals(1, r.windows());
        try (var files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.toList(), "no temporary file left");
        }
    }

    private static List<String> captionsOf(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<p class=\"caption\">([^<]*)</p>").matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
