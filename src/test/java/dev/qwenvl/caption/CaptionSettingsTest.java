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
}
