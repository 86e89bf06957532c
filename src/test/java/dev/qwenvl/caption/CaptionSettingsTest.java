package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CaptionSettingsTest {

    @Test
    void aBlankCustomPromptIsRefusedInsteadOfFallingBackSilently() {
        for (String blank : new String[] {"", "   ", "\n\t"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CaptionSettings.defaults().withPromptText(blank));
            assertTrue(e.getMessage().contains("blank") && e.getMessage().contains("default"), e.getMessage());
        }
    }

    @Test
    void noCustomPromptMeansTheVariantsInstruction() {
        assertNull(CaptionSettings.defaults().promptText());
        assertEquals("Count the cars.", CaptionSettings.defaults().withPromptText("Count the cars.").promptText());
        assertNull(CaptionSettings.defaults().withPromptText("x").withPromptText(null).promptText());
    }

    @Test
    void theBuilderStartsAtTheDefaultsAndToBuilderChangesOneValue() {
        assertEquals(CaptionSettings.defaults(), CaptionSettings.builder().build());
        assertEquals(dev.qwenvl.prompt.PromptVariant.DEFAULT, CaptionSettings.defaults().promptVariant());
        assertEquals(dev.qwenvl.video.WindowingConfig.defaults(), CaptionSettings.defaults().windowing());
        CaptionSettings s = CaptionSettings.builder().promptVariant(dev.qwenvl.prompt.PromptVariant.AV).promptText("x")
                .stage2(true).build();
        assertEquals(s, s.toBuilder().build());
        CaptionSettings changed = s.toBuilder().stage2(false).build();
        assertEquals(new CaptionSettings(dev.qwenvl.prompt.PromptVariant.AV, "x",
                dev.qwenvl.video.WindowingConfig.defaults(), false), changed);
        assertTrue(s.stage2(), "the original is unchanged");
        assertEquals(changed, s.withStage2(false));
    }

    @Test
    void streamSettingsHaveABuilderWithTheDefaultBudget() {
        assertEquals(StreamSettings.defaults(), StreamSettings.builder().build());
        assertEquals(1L << 20, StreamSettings.defaults().toBuilder().framesInFlightBytes(1L << 20).build().framesInFlightBytes());
        assertThrows(IllegalArgumentException.class, () -> StreamSettings.builder().framesInFlightBytes(0).build());
    }
}
