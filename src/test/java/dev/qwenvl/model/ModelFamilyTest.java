package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The family description (qwenvl_bridge/families.json), as Java reads it from the classpath. */
class ModelFamilyTest {

    @Test
    void qwen25VlIsDescribedWithItsGeometryBoundsAndChatFormat() {
        ModelFamily f = ModelFamily.of("qwen2.5");
        assertEquals(List.of("qwen", "qwen2.5"), f.keys());
        assertEquals("Qwen/Qwen2.5-VL-7B-Instruct", f.modelId());
        assertEquals(28, f.factor());
        assertEquals(List.of(128, 768, 24576), List.of(f.videoMinTokensPerFrame(), f.videoMaxTokensPerFrame(), f.videoWindowTokens()));
        assertEquals(List.of(0.48145466, 0.4578275, 0.40821073), f.imageMean());
        assertEquals("You are a helpful assistant.", f.defaultSystemPrompt());
        assertEquals("per_frame", f.processorPixelBounds());
    }

    @Test
    void qwen3VlHasFactor32HalfMeanAndNoDefaultSystemTurn() {
        ModelFamily f = ModelFamily.of(" QWEN3 ");
        assertEquals("Qwen/Qwen3-VL-8B-Instruct", f.modelId());
        assertEquals(32, f.factor());
        assertEquals(List.of(0.5, 0.5, 0.5), f.imageMean());
        assertEquals(List.of(0.5, 0.5, 0.5), f.imageStd());
        assertNull(f.defaultSystemPrompt());
        assertEquals("per_video", f.processorPixelBounds());
    }

    @Test
    void everyDescribedFamilyIsAModelVariant() {
        for (ModelFamily f : ModelFamily.all()) {
            assertEquals(f, ModelVariant.fromKey(f.key()).family(),
                    f.name() + " is described in families.json but has no ModelVariant constant");
        }
        assertEquals(ModelFamily.all().size(), ModelVariant.values().size());
    }

    @Test
    void unknownKeyListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamily.of("llava"));
        assertTrue(e.getMessage().contains("valid choices: qwen, qwen2.5, qwen3"), e.getMessage());
    }
}
