package dev.qwenvl.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromptVariantTest {

    @Test
    void keysSelectVariantsCaseInsensitively() {
        assertEquals(PromptVariant.DEFAULT, PromptVariant.fromKey("default"));
        assertEquals(PromptVariant.DRIVING, PromptVariant.fromKey(" Driving "));
        assertEquals(PromptVariant.SURVEILLANCE, PromptVariant.fromKey("SURVEILLANCE"));
    }

    @Test
    void unknownKeyNamesTheKeyAndListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptVariant.fromKey("av"));
        assertTrue(e.getMessage().contains("'av'"), e.getMessage());
        assertTrue(e.getMessage().contains("default, driving, surveillance"), e.getMessage());
    }

    @Test
    void everyVariantHasItsOwnNonEmptyInstruction() {
        for (PromptVariant v : PromptVariant.values()) {
            assertFalse(v.instruction().isBlank(), v.name());
        }
        assertNotEquals(PromptVariant.DEFAULT.instruction(), PromptVariant.DRIVING.instruction());
        assertNotEquals(PromptVariant.DRIVING.instruction(), PromptVariant.SURVEILLANCE.instruction());
        assertTrue(PromptVariant.DRIVING.instruction().contains("vehicle"));
    }

    @Test
    void customTextOverridesTheInstructionUnlessBlank() {
        assertEquals("custom", PromptVariant.DEFAULT.instructionOr("custom"));
        assertEquals(PromptVariant.DEFAULT.instruction(), PromptVariant.DEFAULT.instructionOr(""));
        assertEquals(PromptVariant.DEFAULT.instruction(), PromptVariant.DEFAULT.instructionOr(null));
    }
}
