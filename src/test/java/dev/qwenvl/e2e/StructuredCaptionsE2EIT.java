package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured captions on the real vLLM (CPU build, tiny random Qwen2.5-VL): with decoding
 * constrained by each shipped schema, every one of 10 windows' captions parses and validates
 * through {@code qwenvl caption --caption-schema} (the launcher jar, one run per schema). The Java
 * API's check is SparkCaptioningE2EIT's structured test (its executor runs VideoCaptioner
 * in-process), the HTTP engine's is VllmServeE2EIT's: each shipped schema meets more than 20
 * windows across the paths, with one engine start fewer than a Java API test of its own would take.
 */
class StructuredCaptionsE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(StructuredCaptionsE2EIT.class);
    static final List<Path> SCHEMAS = List.of(Path.of("docs/schemas/scene.schema.json"),
            Path.of("docs/schemas/events.schema.json"));
    static final List<PromptVariant> VARIANTS = List.of(PromptVariant.SCENE_JSON, PromptVariant.EVENTS_JSON);
    /** Enough for the bounded schemas' longest caption (their strings and arrays have maxLength/maxItems). */
    static final int MAX_TOKENS = 1024;
    static final int WINDOWS = 10;

    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    @TempDir
    static Path dir;
    private static final List<VideoSource> VIDEOS = new ArrayList<>();

    @BeforeAll
    static void videos() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("videos"));
        for (int i = 0; i < WINDOWS; i++) { // 4 s at 10 fps: one window each
            Object path = PYTHON.get().callWithKeywords("videos", "write_video",
                    List.of(folder.resolve("clip" + i + ".mp4").toString()),
                    Map.of("ext", "mp4", "frames", 40 + i, "fps", 10, "width", 96, "height", 64, "noise", true));
            VIDEOS.add(new VideoSource.VideoFile(Path.of((String) path)));
        }
    }

    /** Checks one caption's JSON against {@code schema} with a fresh parse (not the library's own object). */
    static void assertValid(CaptionSchema schema, String json, String what) {
        assertNotNull(json, what + ": no caption_json");
        assertEquals(json, schema.check(json), what);
        try {
            JsonNode node = new ObjectMapper().readTree(json);
            assertTrue(node.isObject(), what + ": " + json);
        } catch (Exception e) {
            throw new AssertionError(what + ": not JSON: " + json, e);
        }
    }

    @Test
    void everyLineOfTheCliHoldsACaptionJsonThatValidatesAgainstEachShippedSchema() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of("target", "qwenvl-cli.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the launcher jar is built by mvn package: " + jar);
        Path videos = dir.resolve("videos");
        ObjectMapper json = new ObjectMapper();
        for (int s = 0; s < SCHEMAS.size(); s++) {
            CaptionSchema schema = CaptionSchema.read(SCHEMAS.get(s));
            Path work = Files.createDirectories(dir.resolve("cli" + s));
            Path out = work.resolve("captions.jsonl");
            ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "caption", videos.toString(),
                    "-o", out.toString(), "--model-dir", E2ETier.modelDir().toString(), "--no-fp8",
                    "--engine-arg", "enforce_eager=true", "--python", TestPython.python().toString(), "--seed", "0",
                    "--max-output-tokens", String.valueOf(MAX_TOKENS), "--prompt-variant", VARIANTS.get(s).key(),
                    "--caption-schema", SCHEMAS.get(s).toAbsolutePath().toString()).directory(work.toFile());
            pb.environment().put("VLLM_CPU_KVCACHE_SPACE", "1");
            pb.environment().remove("LD_PRELOAD");
            pb.redirectOutput(work.resolve("stdout.txt").toFile());
            pb.redirectError(work.resolve("stderr.txt").toFile());
            Process p = pb.start();
            if (!p.waitFor(8, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("qwenvl caption did not end within 8 minutes: "
                        + Files.readString(work.resolve("stderr.txt")));
            }
            String stderr = Files.readString(work.resolve("stderr.txt"));
            assertEquals(0, p.exitValue(), stderr);
            List<String> lines = Files.readAllLines(out);
            assertEquals(WINDOWS, lines.size(), stderr);
            for (String line : lines) {
                JsonNode node = json.readTree(line);
                JsonNode structured = node.get("caption_json");
                assertTrue(structured != null && structured.isObject(), line);
                assertValid(schema, structured.toString(), line);
                assertEquals(structured, json.readTree(node.get("caption").asText()), "caption is the same JSON as text");
            }
            LOG.info("qwenvl caption --caption-schema {}: {} of {} lines valid; first: {}", SCHEMAS.get(s), lines.size(),
                    lines.size(), lines.get(0));
        }
    }
}
