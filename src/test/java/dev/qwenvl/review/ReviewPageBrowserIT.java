package dev.qwenvl.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.JepWindowThumbnails;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;

/**
 * The review page of the sample clips in a real headless Chromium. The captions are written here
 * (no model needed for the page); the thumbnails come from the sample clips through the real PyAV
 * path (qwenvl_bridge.thumbnails in the embedded interpreter). Shows: every window with its caption
 * and the right number of thumbnails, a placeholder for a video that is gone, the search box
 * narrowing the list, sorting, the keyboard, and a hostile caption shown as text that runs nothing.
 * Saves a screenshot as target/review-page.png (the docs' picture).
 */
class ReviewPageBrowserIT {
    static final Path SAMPLES = Path.of("src/test/resources/samples").toAbsolutePath();
    static final int THUMBS = 5;
    static final String HOSTILE = "<script>window.__pwned = 1</script></div></li></ol>\"double\" 'single' "
            + "<img src=x onerror=\"window.__pwned = 2\"> & done";
    static final List<String> WORDS = List.of("A red disc drifts across a pale sky.",
            "A bar sweeps from left to right while the picture fades to black.",
            "A yellow square sits on green grass; the camera does not move.");

    @TempDir
    static Path dir;

    private static PythonRuntime runtime;
    private static ChromeDriver browser;
    private static Path page;
    /** Expected thumbnails per caption, in file order. */
    private static final Map<String, Integer> EXPECTED = new LinkedHashMap<>();
    private static ReviewReport report;

    @BeforeAll
    static void makePageAndOpenIt() throws IOException {
        Browser.assumeInstalled();
        runtime = PythonRuntime.start(TestPython.config().build());
        JepVideoDecoder decoder = new JepVideoDecoder(runtime);
        List<String> lines = new ArrayList<>();
        List<Path> clips;
        try (Stream<Path> s = Files.list(SAMPLES)) {
            clips = s.sorted().toList();
        }
        int c = 0;
        for (Path clip : clips) {
            VideoInfo info = decoder.probe(new VideoSource.VideoFile(clip));
            for (VideoWindow w : Windowing.plan(info.frameCount(), info.fps(), WindowingConfig.defaults())) {
                String caption = c == 1 ? HOSTILE : WORDS.get(c % WORDS.size()) + " (" + clip.getFileName() + ")";
                lines.add(line(clip.toString(), w, caption, c == 2 ? ",\"finish_reason\":\"length\",\"output_tokens\":16" : ""));
                EXPECTED.put(caption, Math.min(THUMBS, w.sampledFrameIndices().size()));
                c++;
            }
        }
        VideoWindow gone = Windowing.plan(30, 10, WindowingConfig.defaults()).get(0);
        lines.add(line(dir.resolve("moved-away.mp4").toString(), gone, "A clip that has since moved.", ""));
        EXPECTED.put("A clip that has since moved.", 0);
        Path captions = dir.resolve("captions.jsonl");
        Files.write(captions, lines, StandardCharsets.UTF_8);
        Path errors = dir.resolve("captions.errors.jsonl");
        Files.write(errors, List.of(
                "{\"video\":\"/data/broken.mp4\",\"reason\":\"CORRUPT_STREAM\",\"message\":\"decoding failed after 12 frames <b>bold?</b>\",\"error\":\"VideoInputException\"}",
                "{\"video\":\"/data/short.webm\",\"reason\":\"TOO_FEW_FRAMES\",\"message\":\"has 2 frame(s) but at least 4 are needed\",\"error\":\"VideoInputException\"}"),
                StandardCharsets.UTF_8);
        page = dir.resolve("review.html");
        report = ReviewPage.builder(captions).errors(errors).thumbsPerWindow(THUMBS)
                .thumbnails(decoder, new JepWindowThumbnails(runtime)).build().write(page);
        browser = Browser.start(1280, 1000);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        browser.get(page.toUri().toString());
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    static String line(String video, VideoWindow w, String caption, String extra) {
        return "{\"video\":" + ReviewPageTest.json(video) + ",\"window\":" + w.windowIndex() + ",\"windows\":1,\"first_frame\":"
                + w.firstFrame() + ",\"last_frame\":" + w.lastFrame() + ",\"start_seconds\":" + w.startSeconds()
                + ",\"end_seconds\":" + w.endSeconds() + ",\"caption\":" + ReviewPageTest.json(caption)
                + ",\"model\":\"Qwen/Qwen2.5-VL-7B-Instruct\",\"stage\":1,\"config\":\"c0ffee\",\"timings\":{\"group_seconds\":"
                + (1.2 + w.lastFrame() / 100.0) + ",\"group_windows\":1,\"seconds_per_window\":" + (1.2 + w.lastFrame() / 100.0)
                + "}" + extra + "}";
    }

    private static List<WebElement> visibleCards() {
        return browser.findElements(By.cssSelector("li.win")).stream().filter(WebElement::isDisplayed).toList();
    }

    @Test
    void everyWindowIsShownWithItsCaptionAndTheRightNumberOfThumbnails() {
        List<WebElement> cards = browser.findElements(By.cssSelector("li.win"));
        assertEquals(EXPECTED.size(), cards.size());
        Map<String, Integer> shown = new LinkedHashMap<>();
        for (WebElement card : cards) {
            String caption = card.findElement(By.cssSelector(".caption")).getText();
            List<WebElement> thumbs = card.findElements(By.cssSelector("img.thumb"));
            for (WebElement img : thumbs) {
                Number width = (Number) browser.executeScript("return arguments[0].naturalWidth", img);
                assertTrue(width.intValue() > 0, "the thumbnail decodes in the browser: " + caption);
            }
            shown.put(caption, thumbs.size());
        }
        assertEquals(EXPECTED, shown);
        assertTrue(EXPECTED.containsValue(4) && EXPECTED.containsValue(THUMBS),
                "a window that sampled only 4 frames shows 4, the others " + THUMBS + ": " + EXPECTED);
        WebElement moved = cards.stream().filter(card -> card.getText().contains("has since moved")).findFirst().orElseThrow();
        assertTrue(moved.findElement(By.cssSelector(".placeholder")).getText().contains("moved or was deleted"));
        assertEquals(4, report.videos(), "three sample clips and one gone");
        assertEquals(1, report.placeholders());
        assertEquals("2", browser.findElement(By.id("stat-failures")).getText());
        String failures = browser.findElement(By.id("failures")).getText();
        assertTrue(failures.contains("CORRUPT_STREAM") && failures.contains("TOO_FEW_FRAMES")
                && failures.contains("<b>bold?</b>"), failures);
        assertEquals(3, browser.findElements(By.cssSelector(".plot svg")).size() + browser.findElements(
                By.cssSelector(".plot p.muted")).size(), "three plots");
    }

    @Test
    void theSearchBoxNarrowsTheListAndTheKeyboardReachesIt() {
        WebElement body = browser.findElement(By.tagName("body"));
        body.sendKeys("/");
        WebElement query = browser.switchTo().activeElement();
        assertEquals("q", query.getAttribute("id"), "'/' focuses the search box");
        query.sendKeys("yellow square");
        List<WebElement> visible = visibleCards();
        assertEquals(1, visible.size());
        assertTrue(visible.get(0).getText().contains("A yellow square"));
        assertTrue(browser.findElement(By.id("shown")).getText().startsWith("1 of " + EXPECTED.size()));
        query.sendKeys(Keys.ESCAPE);
        assertEquals(EXPECTED.size(), visibleCards().size(), "Escape clears the search");
        query.sendKeys("no caption says this");
        assertEquals(0, visibleCards().size());
        assertTrue(browser.findElement(By.id("none")).isDisplayed());
        query.clear();
        query.sendKeys(Keys.ESCAPE);
        assertEquals(EXPECTED.size(), visibleCards().size());
    }

    @Test
    void sortingByLengthAndTruncationReordersTheWindows() {
        List<String> byVideo = captionsInOrder();
        List<String> paths = visibleCards().stream().map(c -> c.findElement(By.cssSelector(".path")).getText()).toList();
        assertEquals(paths.stream().sorted().toList(), paths, "first by video path");
        sortBy("length-desc");
        List<Integer> lengths = visibleCards().stream().map(c -> Integer.parseInt(c.getAttribute("data-length"))).toList();
        List<Integer> sorted = new ArrayList<>(lengths);
        sorted.sort((a, b) -> b - a);
        assertEquals(sorted, lengths);
        sortBy("truncated");
        assertEquals("true", visibleCards().get(0).getAttribute("data-truncated"));
        sortBy("video");
        assertEquals(byVideo, captionsInOrder());
    }

    private static List<String> captionsInOrder() {
        return visibleCards().stream().map(c -> c.findElement(By.cssSelector(".caption")).getText()).toList();
    }

    private static void sortBy(String value) {
        WebElement sort = browser.findElement(By.id("sort"));
        sort.findElement(By.cssSelector("option[value='" + value + "']")).click();
        assertEquals(value, sort.getAttribute("value"));
    }

    @Test
    void aHostileCaptionIsShownAsTextAndRunsNothing() {
        WebElement card = browser.findElements(By.cssSelector("li.win")).stream()
                .filter(c -> c.getText().contains("window.__pwned")).findFirst().orElseThrow();
        String text = (String) browser.executeScript("return arguments[0].textContent",
                card.findElement(By.cssSelector(".caption")));
        assertEquals(HOSTILE, text, "the caption's characters, not markup");
        assertEquals(0L, ((Number) browser.executeScript(
                "return document.querySelectorAll('.caption script, .caption img, .win img:not(.thumb)').length")).longValue());
        assertNull(browser.executeScript("return window.__pwned === undefined ? null : window.__pwned"),
                "no script of a caption ran");
        assertEquals(1L, ((Number) browser.executeScript("return document.scripts.length")).longValue());
        List<String> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(Object::toString).toList();
        assertEquals(List.of(), severe, "the page runs without errors (and the CSP blocked nothing of its own)");
    }

    @Test
    void aPhoneSizedWindowShowsOneColumnAndAScreenshotIsSaved() throws IOException {
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1700));
        Files.write(Path.of("target/review-page.png"), browser.getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        try {
            Number scroll = (Number) browser.executeScript("return document.documentElement.scrollWidth");
            Number client = (Number) browser.executeScript("return document.documentElement.clientWidth");
            assertTrue(scroll.intValue() <= client.intValue(), "nothing wider than a phone: " + scroll + " > " + client);
            Files.write(Path.of("target/review-page-phone.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
        }
    }
}
