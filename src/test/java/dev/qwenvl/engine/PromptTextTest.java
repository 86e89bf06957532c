package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromptTextTest {

    @Test
    void anInstructionWithALoneHighSurrogateIsRefusedWhenTheRequestIsBuiltNamingItsPosition() {
        PromptTextException e = assertThrows(PromptTextException.class,
                () -> EngineRequest.instruction("Count the cars \uD83D.", null, new OpaqueVideo(1)));
        assertEquals("instruction", e.field());
        assertEquals(15, e.index());
        assertEquals('\uD83D', e.codeUnit());
        assertTrue(e.getMessage().contains("U+D83D at index 15"), e.getMessage());
        assertTrue(e instanceof IllegalArgumentException, "bad input, not an engine failure");
    }

    @Test
    void aLoneLowSurrogateAndAReversedPairAreRefusedToo() {
        PromptTextException low = assertThrows(PromptTextException.class, () -> new ChatPrompt.Instruction("\uDE00x", null));
        assertEquals(0, low.index());
        PromptTextException reversed = assertThrows(PromptTextException.class,
                () -> new ChatPrompt.Instruction("ab\uDE00\uD83D", null));
        assertEquals(2, reversed.index());
        PromptTextException atEnd = assertThrows(PromptTextException.class, () -> new ChatPrompt.Instruction("ab\uD83D", null));
        assertEquals(2, atEnd.index());
    }

    @Test
    void theSystemMessageTheTemplatedPromptAndStageTwoTextAreCheckedTheSameWay() {
        PromptTextException system = assertThrows(PromptTextException.class,
                () -> new ChatPrompt.Instruction("fine", "You are\uDC00 helpful."));
        assertEquals("system message", system.field());
        assertEquals(7, system.index());
        PromptTextException templated = assertThrows(PromptTextException.class,
                () -> new EngineRequest("<|im_start|>user\n\uD800<|im_end|>", new OpaqueVideo(2)));
        assertEquals("templated prompt", templated.field());
        assertEquals(17, templated.index());
        ChatPrompt.Instruction ok = new ChatPrompt.Instruction("Describe.", null);
        assertThrows(PromptTextException.class, () -> ok.withText("Refine: \uDBFF"));
    }

    @Test
    void pairedSurrogatesAndOtherUnicodeTextPass() {
        assertDoesNotThrow(() -> new ChatPrompt.Instruction("A car \uD83D\uDE97 drives by \uFFFD \u0000 ümlaut", "sys \uD83D\uDE00"));
        assertDoesNotThrow(() -> new ChatPrompt.Templated("\uD83D\uDE97"));
    }
}
