package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WindowingConfigTest {
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
