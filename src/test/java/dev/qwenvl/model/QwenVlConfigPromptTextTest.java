package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qwenvl.engine.PromptTextException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QwenVlConfigPromptTextTest {

    @Test
    void aStageTwoPromptWithAnUnpairedSurrogateIsRefusedWhenTheConfigIsBuilt(@TempDir Path models) {
        PromptTextException e = assertThrows(PromptTextException.class, () -> QwenVlConfig.builder()
                .modelDir(models).modelVariant("qwen").captionBatchSize(4).stage2PromptText("Refine\uD800: ").build());
        assertEquals("stage-2 prompt text", e.field());
        assertEquals(6, e.index());
    }
}
