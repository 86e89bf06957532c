package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.model.Caption;
import dev.qwenvl.video.VideoWindow;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowCaptionTest {
    private static final VideoWindow WINDOW = new VideoWindow(3, 30, 39, 3, 4.0, List.of(30, 35), 2.0);

    @Test
    void aWindowCaptionCarriesTheFinalPassesFactsAndStage1sCaption() {
        Generation first = new Generation("draft", "length", 900, 16, new EngineTimings(0.0, 0.3, 1.0));
        Generation last = new Generation("final", "length", 950, 16, new EngineTimings(0.02, 0.4, 1.5));
        WindowCaption c = WindowCaption.of("clip", WINDOW, new Caption(last, 2, first, 16));
        assertEquals(new WindowCaption("clip", WINDOW, "final", 2, "length", true, 950, 16,
                new EngineTimings(0.02, 0.4, 1.5), "draft", null), c);
    }

    @Test
    void aCaptionWithoutFactsHasNullsNotZeros() {
        WindowCaption c = WindowCaption.of("clip", WINDOW, new Caption(Generation.ofText("t"), 1, null, 16));
        assertEquals(new WindowCaption("clip", WINDOW, "t", 1), c);
        assertNull(c.promptTokens());
        assertNull(c.finishReason());
        assertEquals(EngineTimings.NONE, c.timings());
    }
}
