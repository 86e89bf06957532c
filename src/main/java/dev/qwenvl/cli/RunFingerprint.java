package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * A short hash of every setting that changes what a caption says: model and revision, the full
 * prompt, stage 2 and its instruction, windowing and sampling, output length, quantization,
 * preprocessing, seed and pass-through engine arguments. Batch and group sizes, the model
 * directory and the cache switch are left out: they change speed, not captions. A rerun with the
 * same fingerprint resumes; another fingerprint captions again. Public so that the Spark job
 * ({@code dev.qwenvl.spark}) stamps its rows with the same fingerprint as the CLI's lines.
 */
public final class RunFingerprint {
    private RunFingerprint() {}

    /** The fingerprint of captioning with {@code model} and {@code caption}, whose prompt is {@code prompt}. */
    public static String of(QwenVlConfig model, CaptionSettings caption, String prompt) {
        String canonical = String.join("\u0000",
                model.modelId(),
                model.modelVariant().revision(),
                prompt,
                "stage2=" + caption.stage2(),
                caption.stage2() ? model.stage2PromptText() : "",
                caption.windowing().toString(),
                "max_tokens=" + model.maxOutputTokens(),
                "fp8=" + model.fp8(),
                "model_does_preprocess=" + model.modelDoesPreprocess(),
                "seed=" + model.samplingSeed().map(String::valueOf).orElse(""),
                "engine=" + new TreeMap<>(model.extraEngineArgs()))
                // only with a schema, so that free-text runs keep the fingerprints they always had
                + (caption.captionSchema() == null ? "" : "\u0000schema=" + caption.captionSchema().json());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
