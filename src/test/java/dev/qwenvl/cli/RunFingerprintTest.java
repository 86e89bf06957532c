package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RunFingerprintTest {
    private static final QwenVlConfig CONFIG = QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
            .captionBatchSize(16).build();

    @Test
    void settingsThatChangeCaptionsChangeTheFingerprintAndSpeedSettingsDoNot() {
        String base = RunFingerprint.of(CONFIG, CaptionSettings.defaults(), "prompt");
        assertEquals(12, base.length());
        assertEquals(base, RunFingerprint.of(CONFIG.toBuilder().captionBatchSize(2).modelDir(Path.of("/other"))
                .disableMmcache(true).build(), CaptionSettings.defaults(), "prompt"));
        assertNotEquals(base, RunFingerprint.of(CONFIG, CaptionSettings.defaults(), "another prompt"));
        assertNotEquals(base, RunFingerprint.of(CONFIG, CaptionSettings.defaults().withStage2(true), "prompt"));
        assertNotEquals(base, RunFingerprint.of(CONFIG.toBuilder().maxOutputTokens(64).build(), CaptionSettings.defaults(), "prompt"));
        assertNotEquals(base, RunFingerprint.of(CONFIG.toBuilder().fp8(false).build(), CaptionSettings.defaults(), "prompt"));
        assertNotEquals(base, RunFingerprint.of(CONFIG.toBuilder().modelVariant("qwen3").build(), CaptionSettings.defaults(), "prompt"));
    }
}
