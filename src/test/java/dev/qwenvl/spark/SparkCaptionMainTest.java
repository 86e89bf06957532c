package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.cli.CaptionArguments;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkCaptionMainTest {

    @Test
    void theSparkOnlyOptionsAreTakenOutAndTheRestIsTheCaptionCommands() {
        SparkCaptionMain.SparkOptions o = SparkCaptionMain.SparkOptions.split("in", "-o", "out", "--partitions", "4",
                "--python-env", "VLLM_CPU_KVCACHE_SPACE=1", "--python-env=A=b=c", "--seed", "0");
        assertEquals(4, o.partitions());
        assertEquals(Map.of("VLLM_CPU_KVCACHE_SPACE", "1", "A", "b=c"), o.pythonEnvironment());
        assertEquals(List.of("in", "-o", "out", "--seed", "0"), o.captionArgs());
        assertNull(SparkCaptionMain.SparkOptions.split("in").partitions());
        assertThrows(IllegalArgumentException.class, () -> SparkCaptionMain.SparkOptions.split("--partitions", "0"));
        assertThrows(IllegalArgumentException.class, () -> SparkCaptionMain.SparkOptions.split("--python-env", "X"));
        assertThrows(IllegalArgumentException.class, () -> SparkCaptionMain.SparkOptions.split("--partitions"));
    }

    @Test
    void captionOptionsTheJobCannotHonourAreRefusedNamingTheOptionNotIgnored() {
        for (String option : List.of("--engine-url", "--engine-model", "--engine-timeout", "--frames-in-flight-mib",
                "--devices", "--errors")) {
            for (String[] args : List.of(new String[] {"in", "-o", "out", option, "1"},
                    new String[] {"in", "-o", "out", option + "=1"})) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> SparkCaptionMain.SparkOptions.split(args), option);
                assertTrue(e.getMessage().startsWith(option + " is an option of qwenvl caption that the Spark job does "
                        + "not take: "), e.getMessage());
                assertTrue(e.getMessage().endsWith("; leave it out"), e.getMessage());
            }
        }
        // through the job's entry point: exit 2 before Spark is touched, the reason on stderr
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = SparkCaptionMain.run(null, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err, true), "in", "-o", "out", "--engine-url", "http://localhost:8000/v1");
        assertEquals(SparkCaptionMain.CANNOT_START, code);
        assertEquals("qwenvl spark caption: --engine-url is an option of qwenvl caption that the Spark job does not "
                + "take: executors caption with the embedded vLLM; the HTTP engine is for qwenvl caption; leave it out",
                err.toString().strip());
        assertTrue(SparkCaptionMain.SparkOptions.split("in", "-o", "out", "--engine-arg", "enforce_eager=true")
                .captionArgs().contains("--engine-arg"), "other options pass");
    }

    @Test
    void theCaptionOptionsGiveTheCliSettingsAndKeepUrisWhole() {
        CaptionArguments a = CaptionArguments.parse("s3a://bucket/videos/", "hdfs://nn/list.txt", "-o",
                "s3a://bucket/out.parquet", "--model-dir", "/models", "--batch-size", "4", "--no-fp8", "--seed", "0",
                "--max-output-tokens", "16", "--engine-arg", "enforce_eager=true", "--group-size", "3",
                "--python", "/env/bin/python");
        assertEquals(List.of("s3a://bucket/videos/", "hdfs://nn/list.txt"), a.inputs());
        assertEquals("s3a://bucket/out.parquet", a.output());
        QwenVlConfig expected = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(dev.qwenvl.model.QwenVL.DEFAULT_BATCH_SIZE).fp8(false).maxOutputTokens(16).extraEngineArg("enforce_eager", true)
                .samplingSeed(0).build();
        assertEquals(expected, a.model());
        assertEquals(CaptionSettings.defaults(), a.caption());
        assertEquals(2, a.warnings().size(), "--batch-size and --group-size are deprecated and ignored: " + a.warnings());
        assertEquals(Path.of("/env/bin/python"), a.python().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> CaptionArguments.parse("in"));
        assertThrows(CaptionArguments.HelpRequested.class, () -> CaptionArguments.parse("--help"));
    }

    @Test
    void decodeThreadsReachTheExecutorsStreamOnlyWhenGiven() {
        CaptionArguments given = CaptionArguments.parse("in", "-o", "out.parquet", "--model-dir", "/models",
                "--decode-threads", "3");
        assertEquals(java.util.Optional.of(3), given.decodeThreads());
        SparkCaptionConfig config = SparkCaptionConfig.of(given.model(), given.caption());
        assertEquals(3, config.withDecodeThreads(3).streamSettings().decodeThreads());
        assertEquals(dev.qwenvl.caption.StreamSettings.defaultDecodeThreads(), config.streamSettings().decodeThreads(),
                "without the option each executor takes its own cores' default");
        org.junit.jupiter.api.Assertions.assertNotEquals(config, config.withDecodeThreads(3));
        assertEquals(java.util.Optional.empty(),
                CaptionArguments.parse("in", "-o", "out.parquet", "--model-dir", "/models").decodeThreads());
        assertThrows(IllegalArgumentException.class,
                () -> CaptionArguments.parse("in", "-o", "out.parquet", "--model-dir", "/models", "--decode-threads", "0"));
    }
}
