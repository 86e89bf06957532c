package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.cli.RunFingerprint;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.video.WindowingConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkCaptionConfigTest {

    private static QwenVlConfig model() {
        return QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen3").captionBatchSize(4).fp8(false)
                .maxOutputTokens(16).modelDoesPreprocess(true).disableMmcache(true).stage2PromptText("Better: ")
                .verbose(true).extraEngineArg("enforce_eager", true).extraEngineArg("max_num_seqs", 3).samplingSeed(7)
                .build();
    }

    private static CaptionSettings settings() {
        return new CaptionSettings(PromptVariant.fromKey("driving"), "Describe the road.",
                WindowingConfig.builder().windowFrames(64).minRemainderFrames(32).samplingFps(1.5).minSampledFrames(2)
                        .maxSampledFrames(100).build(), true);
    }

    private static SparkCaptionConfig roundTrip(SparkCaptionConfig c) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (SparkCaptionConfig) in.readObject();
        }
    }

    @Test
    void rebuildsTheSameModelConfigAndCaptionSettingsAfterJavaSerialization() throws Exception {
        SparkCaptionConfig config = SparkCaptionConfig.of(model(), settings()).withPython(Path.of("/env/bin/python"))
                .withPythonPath(Path.of("/extra")).withPythonEnvironment("VLLM_CPU_KVCACHE_SPACE", "1");
        SparkCaptionConfig shipped = roundTrip(config);
        assertEquals(config, shipped);
        assertEquals(model(), shipped.modelConfig());
        assertEquals(settings(), shipped.captionSettings());
        assertEquals(Path.of("/env/bin/python"), shipped.python().orElseThrow());
        assertEquals(List.of(Path.of("/extra")), shipped.pythonPaths());
        assertEquals(Map.of("VLLM_CPU_KVCACHE_SPACE", "1"), shipped.pythonEnvironment());
    }

    @Test
    void theCaptionSchemaTravelsToTheExecutorsAndChangesTheFingerprint() throws Exception {
        CaptionSettings structured = settings().withCaptionSchema(
                dev.qwenvl.caption.CaptionSchema.read(Path.of("docs/schemas/events.schema.json")));
        SparkCaptionConfig config = SparkCaptionConfig.of(model(), structured);
        SparkCaptionConfig shipped = roundTrip(config);
        assertEquals(config, shipped);
        assertEquals(structured, shipped.captionSettings());
        assertEquals(structured.captionSchema().name(), shipped.captionSettings().captionSchema().name());
        assertNotEquals(SparkCaptionConfig.of(model(), settings()).fingerprint(), shipped.fingerprint());
        // the job's own option, as qwenvl caption parses it
        SparkCaptionConfig fromArgs = SparkCaptionConfig.of(model(), dev.qwenvl.cli.CaptionArguments.parse("v", "-o", "o",
                "--model-dir", "/models", "--caption-schema", "docs/schemas/events.schema.json").caption());
        assertEquals(structured.captionSchema(), fromArgs.captionSettings().captionSchema());
    }

    @Test
    void theDefaultStage2InstructionStaysTheDefaultAndAnUnseededConfigGetsTheFixedSeed() {
        QwenVlConfig plain = QwenVlConfig.builder().modelDir(Path.of("m")).modelVariant("qwen").captionBatchSize(1).build();
        QwenVlConfig rebuilt = SparkCaptionConfig.of(plain, CaptionSettings.defaults()).modelConfig();
        assertEquals(plain.toBuilder().samplingSeed(SparkCaptionConfig.DEFAULT_SEED).build(), rebuilt,
                "the same, with the fixed seed retries need");
        assertTrue(!rebuilt.hasCustomStage2PromptText());
    }

    @Test
    void theFingerprintIsTheClis() {
        SparkCaptionConfig config = SparkCaptionConfig.of(model(), settings());
        String cli = RunFingerprint.of(model(), settings(),
                new QwenPromptFormatter().format(settings().promptVariant(), settings().promptText()));
        assertEquals(cli, config.fingerprint());
        assertNotEquals(cli, SparkCaptionConfig.of(model(), settings().withStage2(false)).fingerprint());
        assertEquals(cli, config.withPythonEnvironment("X", "y").fingerprint(),
                "speed and environment settings do not change captions");
    }

    @Test
    void configsDifferWhenAnyValueDoes() {
        SparkCaptionConfig config = SparkCaptionConfig.of(model(), settings());
        assertNotEquals(config, config.withPythonEnvironment("A", "b"));
        assertNotEquals(config, SparkCaptionConfig.of(model().toBuilder().samplingSeed(8).build(), settings()));
    }

    @Test
    void refusesCudaVisibleDevicesAndUnserializableEngineArguments() {
        SparkCaptionConfig config = SparkCaptionConfig.of(model(), settings());
        IllegalArgumentException cuda = assertThrows(IllegalArgumentException.class,
                () -> config.withPythonEnvironment("CUDA_VISIBLE_DEVICES", "0"));
        assertTrue(cuda.getMessage().contains("spark.task.resource.gpu.amount"), cuda.getMessage());
        QwenVlConfig odd = model().toBuilder().extraEngineArg("weird", new Object()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkCaptionConfig.of(odd, settings()));
        assertTrue(e.getMessage().contains("weird"), e.getMessage());
    }
}
