package dev.qwenvl.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromptVariantTest {

    @Test
    void curatorKeysAndTheOldKeysAsAliasesSelectVariantsCaseInsensitively() {
        assertEquals(PromptVariant.DEFAULT, PromptVariant.fromKey("default"));
        assertEquals(PromptVariant.AV, PromptVariant.fromKey(" AV "));
        assertEquals(PromptVariant.AV_SURVEILLANCE, PromptVariant.fromKey("av-surveillance"));
        assertEquals(PromptVariant.AV, PromptVariant.fromKey(" Driving "));
        assertEquals(PromptVariant.AV_SURVEILLANCE, PromptVariant.fromKey("SURVEILLANCE"));
    }

    @Test
    void unknownKeyNamesTheKeyAndListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptVariant.fromKey("dashcam"));
        assertTrue(e.getMessage().contains("'dashcam'"), e.getMessage());
        assertTrue(e.getMessage().contains("default, av, av-surveillance"), e.getMessage());
    }

    /** Curator HEAD's _PROMPTS, character for character (nemo_curator/stages/video/caption/caption_preparation.py). */
    @Test
    void instructionsAreCuratorsExactText() {
        assertEquals("\n"
                    + "        Elaborate on the visual and narrative elements of the video in detail.\n"
                    + "    ", PromptVariant.DEFAULT.instruction());
        assertTrue(PromptVariant.AV.instruction().startsWith("\n        The video depicts the view from a camera mounted on a car as it is driving.\n"));
        assertTrue(PromptVariant.AV.instruction().endsWith("Also pay attention to interesting landmarks and describe\n        them in detail.\n    "));
        assertEquals(536, PromptVariant.AV.instruction().length());
        assertTrue(PromptVariant.AV_SURVEILLANCE.instruction().startsWith("\n        The video depicts the view from a surveillance camera."));
        assertEquals(421, PromptVariant.AV_SURVEILLANCE.instruction().length());
    }

    @Test
    void customTextOverridesTheInstructionUnlessBlank() {
        assertEquals("custom", PromptVariant.DEFAULT.instructionOr("custom"));
        assertEquals(PromptVariant.DEFAULT.instruction(), PromptVariant.DEFAULT.instructionOr(""));
        assertEquals(PromptVariant.DEFAULT.instruction(), PromptVariant.DEFAULT.instructionOr(null));
    }
}
