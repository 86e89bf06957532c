package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class WindowingConfigTest {
    /**
     * Java always sends a window's rate; the Python half's {@code DEFAULT_FPS}, where it has one,
     * is only the fallback for a request built without one. It must be the library's one default rate.
     */
    @Test
    void thePythonHalfsFallbackRateIsTheDefaultSamplingRate() throws IOException {
        Pattern assignment = Pattern.compile("(?m)^DEFAULT_FPS\\s*=\\s*([0-9.eE+-]+)\\s*$");
        List<Double> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("python", "qwenvl_bridge"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".py")).toList()) {
                Matcher m = assignment.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(Double.parseDouble(m.group(1)));
                }
            }
        }
        // none at all is fine too: then Python has no default of its own
        assertTrue(found.size() <= 1, "at most one DEFAULT_FPS in python/qwenvl_bridge: " + found);
        found.forEach(fps -> assertEquals(WindowingConfig.DEFAULT_SAMPLING_FPS, fps,
                "python/qwenvl_bridge's DEFAULT_FPS must equal WindowingConfig.DEFAULT_SAMPLING_FPS"));
    }

    @Test
    void theCanonicalConstructorChecksTheRulesAsTheBuilderDoes() {
        assertThrows(IllegalArgumentException.class, () -> new WindowingConfig(256, 128, 2.0, 3, 768));
        assertEquals(WindowingConfig.defaults(), new WindowingConfig(256, 128, 2.0, 4, 768));
    }

    @Test
    void defaultsAreTheSeedValues() {
        WindowingConfig c = WindowingConfig.defaults();
        assertEquals(256, c.windowFrames());
        assertEquals(128, c.minRemainderFrames());
        assertEquals(2.0, c.samplingFps());
        assertEquals(4, c.minSampledFrames());
        assertEquals(768, c.maxSampledFrames());
        assertEquals(c, WindowingConfig.builder().build());
        assertEquals(c.hashCode(), WindowingConfig.builder().build().hashCode());
    }

    @Test
    void toBuilderCopiesAndLeavesTheOriginalAlone() {
        WindowingConfig c = WindowingConfig.defaults();
        WindowingConfig changed = c.toBuilder().samplingFps(1.0).build();
        assertEquals(1.0, changed.samplingFps());
        assertEquals(2.0, c.samplingFps());
        assertNotEquals(c, changed);
    }

    @Test
    void invalidValuesAreRejectedWithTheReason() {
        assertRejected(WindowingConfig.builder().windowFrames(0), "windowFrames");
        assertRejected(WindowingConfig.builder().minSampledFrames(3), "minSampledFrames must be a positive even");
        assertRejected(WindowingConfig.builder().maxSampledFrames(7), "maxSampledFrames must be a positive even");
        assertRejected(WindowingConfig.builder().minSampledFrames(10).maxSampledFrames(8), "must not exceed");
        assertRejected(WindowingConfig.builder().minRemainderFrames(300), "minRemainderFrames (300)");
        assertRejected(WindowingConfig.builder().minRemainderFrames(2), "minRemainderFrames (2)");
        assertRejected(WindowingConfig.builder().samplingFps(0), "samplingFps");
        assertRejected(WindowingConfig.builder().samplingFps(Double.NaN), "samplingFps");
    }

    private static void assertRejected(WindowingConfig.Builder builder, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
