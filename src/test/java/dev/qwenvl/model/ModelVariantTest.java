package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelVariantTest {

    @Test
    void qwenAndQwen25SelectQwen25VlAtItsPinnedRevision() {
        assertEquals(ModelVariant.QWEN, ModelVariant.fromKey("qwen"));
        assertEquals(ModelVariant.QWEN, ModelVariant.fromKey("qwen2.5"));
        assertEquals("Qwen/Qwen2.5-VL-7B-Instruct", ModelVariant.QWEN.modelId());
        assertEquals("cc59489", ModelVariant.QWEN.revision());
    }

    @Test
    void qwen3SelectsQwen3VlAtItsPinnedRevision() {
        assertEquals(ModelVariant.QWEN3, ModelVariant.fromKey("qwen3"));
        assertEquals("Qwen/Qwen3-VL-8B-Instruct", ModelVariant.QWEN3.modelId());
        assertEquals("0c351dd", ModelVariant.QWEN3.revision());
    }

    @Test
    void keysIgnoreCaseAndSurroundingBlanks() {
        assertEquals(ModelVariant.QWEN3, ModelVariant.fromKey("  QWEN3 "));
        assertEquals(ModelVariant.QWEN, ModelVariant.fromKey("Qwen2.5"));
    }

    @Test
    void unknownKeyNamesItAndListsEveryValidKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelVariant.fromKey("llava"));
        assertEquals("unknown model variant 'llava'; valid choices: qwen, qwen2.5, qwen3", e.getMessage());
        IllegalArgumentException nullKey = assertThrows(IllegalArgumentException.class, () -> ModelVariant.fromKey(null));
        assertTrue(nullKey.getMessage().contains("valid choices"));
    }

    @Test
    void validKeysAreListedInDeclarationOrder() {
        assertEquals(List.of("qwen", "qwen2.5", "qwen3"), ModelVariant.validKeys());
    }

    @Test
    void everyFamilyOfTheDescriptionIsAVariantWithoutCodeOfItsOwn() {
        for (ModelFamily family : ModelFamily.all()) {
            ModelVariant v = ModelVariant.fromKey(family.keys().get(0));
            assertSame(family, v.family());
            assertTrue(ModelVariant.values().contains(v));
        }
        assertEquals("QWEN", ModelVariant.QWEN.name());
        assertEquals("QWEN3", ModelVariant.QWEN3.toString());
    }

    @Test
    void aSerializedVariantComesBackAsTheSameInstance() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(ModelVariant.QWEN3);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertSame(ModelVariant.QWEN3, in.readObject());
        }
    }
}
