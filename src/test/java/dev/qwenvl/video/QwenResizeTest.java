package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QwenResizeTest {
    private static final int F = 28;

    @Test
    void inRangeSizesRoundToTheNearestMultipleOf28() {
        // 480x640 = 307200 px, within [100352, 602112]: 480/28 = 17.14 -> 476, 640/28 = 22.86 -> 644
        assertArrayEquals(new int[] {476, 644}, QwenResize.smartResize(480, 640, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS));
    }

    @Test
    void tiesRoundToEvenLikePython() {
        // 70/28 = 2.5 -> 2 multiples (Python round), 42/28 = 1.5 -> 2 multiples
        assertEquals(56, QwenResize.roundBy(70, F));
        assertEquals(56, QwenResize.roundBy(42, F));
    }

    @Test
    void largeFramesShrinkBelowTheMaximum() {
        int[] hw = QwenResize.smartResize(1080, 1920, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS);
        // beta = sqrt(2073600 / 602112) = 1.8558; 1080/beta = 581.96 -> 560; 1920/beta = 1034.6 -> 1008
        assertArrayEquals(new int[] {560, 1008}, hw);
    }

    @Test
    void smallFramesGrowAboveTheMinimum() {
        int[] hw = QwenResize.smartResize(61, 97, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS);
        // beta = sqrt(100352 / 5917) = 4.118; 61*beta = 251.2 -> 252; 97*beta = 399.5 -> 420
        assertArrayEquals(new int[] {252, 420}, hw);
    }

    @Test
    void windowBudgetIsDividedByFrameCountAndTheMinimumWins() {
        assertEquals(QwenResize.MAX_PIXELS, QwenResize.perFrameMaxPixels(16, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS, QwenResize.TOTAL_PIXELS));
        assertEquals(QwenResize.TOTAL_PIXELS / 64, QwenResize.perFrameMaxPixels(64, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS, QwenResize.TOTAL_PIXELS));
        assertEquals(QwenResize.MIN_PIXELS, QwenResize.perFrameMaxPixels(768, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS, QwenResize.TOTAL_PIXELS));
        int[] hw = QwenResize.forWindow(1080, 1920, 64);
        assertTrue((long) hw[0] * hw[1] * 64 <= QwenResize.TOTAL_PIXELS);
    }

    @Test
    void resultsAreMultiplesOf28WithinLimitsAndKeepAspect() {
        for (int h = 16; h <= 2200; h += 37) {
            for (int w = 16; w <= 4000; w += 53) {
                if ((double) Math.max(h, w) / Math.min(h, w) > 8) {
                    continue; // extreme ratios may leave the limits by one factor step; checked below
                }
                int[] hw = QwenResize.smartResize(h, w, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS);
                long area = (long) hw[0] * hw[1];
                String at = h + "x" + w + " -> " + hw[0] + "x" + hw[1];
                assertEquals(0, hw[0] % F, at);
                assertEquals(0, hw[1] % F, at);
                assertTrue(area >= QwenResize.MIN_PIXELS && area <= QwenResize.MAX_PIXELS, at);
                double before = (double) w / h;
                double after = (double) hw[1] / hw[0];
                assertTrue(Math.abs(Math.log(after / before)) < Math.log(1.6), at);
            }
        }
    }

    @Test
    void extremeAspectRatioIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> QwenResize.smartResize(2, 402, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS));
        int[] hw = QwenResize.smartResize(2, 400, F, QwenResize.MIN_PIXELS, QwenResize.MAX_PIXELS);
        assertEquals(0, hw[0] % F);
    }
}
