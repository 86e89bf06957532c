package dev.qwenvl.review;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Size and time of a review page of many windows: {@code -Dqwenvl.review.bench=1000} makes that
 * many windows of generated captions (300 to 1,500 characters, the length of real Qwen2.5-VL
 * captions) over links to the sample clips (one window each, like the short clips a curation
 * pipeline captions), writes the page with 4 thumbnails per window through the real PyAV path, and
 * opens it in headless Chromium when installed (not with {@code -Dqwenvl.review.bench.browser=false}). Prints what it measured; never fails on time.
 * Skipped unless the property is set (it is not part of the suite).
 */
class ReviewPageBenchmarkIT {
    private static final String[] WORDS = ("the a red disc drifts across pale sky camera pans slowly left while "
            + "yellow square sits on green grass bar sweeps from right picture fades to black person walks "
            + "toward door car turns corner light changes scene remains static background shows trees").split(" ");

    @TempDir
    Path dir;

    @Test
    void pageOfManyWindows() throws IOException {
        int windows = Integer.getInteger("qwenvl.review.bench", 0);
        Assumptions.assumeTrue(windows > 0, "benchmark: set -Dqwenvl.review.bench=1000");
        List<Path> clips;
        // -Dqwenvl.review.bench.clips=DIR takes the clips from DIR instead (e.g. larger frames)
        Path source = Path.of(System.getProperty("qwenvl.review.bench.clips", ReviewPageBrowserIT.SAMPLES.toString()));
        try (Stream<Path> s = Files.list(source)) {
            clips = s.sorted().toList();
        }
        Random random = new Random(7);
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config().build())) {
            JepVideoDecoder decoder = new JepVideoDecoder(runtime);
            List<VideoWindow> plans = new ArrayList<>();
            for (Path clip : clips) {
                VideoInfo info = decoder.probe(new VideoSource.VideoFile(clip));
                plans.add(Windowing.plan(info.frameCount(), info.fps(), WindowingConfig.defaults()).get(0));
            }
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < windows; i++) {
                Path clip = clips.get(i % clips.size());
                String name = clip.getFileName().toString();
                Path link = Files.createSymbolicLink(dir.resolve(String.format(Locale.ROOT, "clip-%04d%s", i,
                        name.substring(name.lastIndexOf('.')))), clip);
                StringBuilder caption = new StringBuilder();
                int length = 300 + random.nextInt(1200);
                while (caption.length() < length) {
                    caption.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
                }
                String extra = random.nextInt(20) == 0 ? ",\"finish_reason\":\"length\"" : ",\"finish_reason\":\"stop\"";
                lines.add(ReviewPageBrowserIT.line(link.toString(), plans.get(i % clips.size()), caption.toString().trim(), extra));
            }
            Path captions = dir.resolve("captions.jsonl");
            Files.write(captions, lines, StandardCharsets.UTF_8);
            Path page = Path.of("target/review-bench.html").toAbsolutePath();
            ReviewReport r = ReviewPage.builder(captions)
                    .thumbnails(decoder, new JepWindowThumbnails(runtime)).build().write(page);
            assertEquals(windows, r.windows());
            System.out.printf(Locale.ROOT, "review page: %d windows, %d thumbnails, %d bytes (%.2f MB, %.1f KB per window), "
                            + "written in %.2f s (%.1f ms per window); captions file %d bytes%n",
                    r.windows(), r.thumbnails(), r.bytes(), r.bytes() / 1e6, r.bytes() / 1024.0 / r.windows(), r.seconds(),
                    r.seconds() * 1000 / r.windows(), Files.size(captions));
            boolean browse = !"false".equals(System.getProperty("qwenvl.review.bench.browser"));
            if (browse && Files.isExecutable(Browser.chromium()) && Files.isExecutable(Browser.chromedriver())) {
                ChromeDriver browser = Browser.start(1280, 1000);
                try {
                    long start = System.nanoTime();
                    browser.get(page.toUri().toString());
                    double opened = (System.nanoTime() - start) / 1e9;
                    Object load = browser.executeScript("var t = performance.getEntriesByType('navigation')[0];"
                            + " return [t.domContentLoadedEventEnd, t.loadEventEnd];");
                    long searchStart = System.nanoTime();
                    browser.findElement(org.openqa.selenium.By.id("q")).sendKeys("disc");
                    double search = (System.nanoTime() - searchStart) / 1e9;
                    System.out.printf(Locale.ROOT, "headless Chromium: opened in %.2f s (navigation timing, ms: "
                            + "DOMContentLoaded, load = %s); typing a 4-letter search took %.2f s%n", opened, load, search);
                } finally {
                    browser.quit();
                }
            }
        }
    }
}
