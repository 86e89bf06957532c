package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PromptBudgetTest {

    @Test
    void theSeedsSettingsLeaveTheContextLessTheCaptionForThePrompt() {
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("m")).modelVariant("qwen").captionBatchSize(1).build();
        PromptBudget budget = PromptBudget.of(new QwenVL(config, c -> { throw new AssertionError("no engine"); }));
        assertEquals(new PromptBudget(32768, 512), budget);
        assertEquals(32256, budget.maxPromptTokens());
    }

    @Test
    void aPromptOverTheBudgetIsRefusedNamingBothLimits() {
        PromptBudget budget = new PromptBudget(32768, 512);
        assertDoesNotThrow(() -> budget.check("the caption prompt", 32256));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budget.check("the --prompt text", 32257));
        assertTrue(e.getMessage().startsWith("the --prompt text is 32257 tokens long"), e.getMessage());
        assertTrue(e.getMessage().contains("32768 tokens (max_model_len)")
                && e.getMessage().contains("512 of them kept for the caption (max_output_tokens)"), e.getMessage());
    }
}
