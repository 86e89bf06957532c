package dev.qwenvl.review;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven through chromedriver (both from Debian: {@value #INSTALL}), for the
 * review page's browser test. Paths: {@code -Dqwenvl.chromium} / {@code -Dqwenvl.chromedriver},
 * else {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}. When they are missing the test
 * is skipped with the install command, unless the end-to-end tests are required
 * ({@code -Dqwenvl.e2e=required} or {@code QWENVL_E2E=required}, as .ci/run sets), where it fails.
 * Selenium Manager is never asked for a driver (nothing is downloaded).
 */
final class Browser {
    static final String INSTALL = "bash .ci/setup-browser.sh";

    private Browser() {}

    static Path chromium() {
        return Path.of(System.getProperty("qwenvl.chromium", "/usr/bin/chromium"));
    }

    static Path chromedriver() {
        return Path.of(System.getProperty("qwenvl.chromedriver", "/usr/bin/chromedriver"));
    }

    /** Skips (or fails, when required) unless Chromium and its driver are installed. */
    static void assumeInstalled() {
        String missing = !Files.isExecutable(chromium()) ? "no Chromium at " + chromium()
                : !Files.isExecutable(chromedriver()) ? "no chromedriver at " + chromedriver() : null;
        if (missing == null) {
            return;
        }
        String message = "browser test needs headless Chromium and its driver (" + missing + "): run `" + INSTALL
                + "` (as root: apt-get install chromium chromium-driver)";
        if ("required".equals(System.getProperty("qwenvl.e2e")) || "required".equals(System.getenv("QWENVL_E2E"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** A headless Chromium of {@code width} x {@code height} CSS pixels. */
    static ChromeDriver start(int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=" + width + "," + height);
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver().toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
