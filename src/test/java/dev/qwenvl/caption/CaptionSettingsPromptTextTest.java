package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qwenvl.engine.PromptTextException;
import org.junit.jupiter.api.Test;

class CaptionSettingsPromptTextTest {

    @Test
    void aCustomPromptWithAnUnpairedSurrogateIsRefusedWhenTheSettingsAreBuilt() {
        PromptTextException e = assertThrows(PromptTextException.class,
                () -> CaptionSettings.builder().promptText("Describe \uDC01 it").build());
        assertEquals("custom prompt text", e.field());
        assertEquals(9, e.index());
    }
}
