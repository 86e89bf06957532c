package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.cli.QwenVlCli;
import dev.qwenvl.jep.JepTokenCounter;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prompt that cannot fit the context is refused before the model loads, counted with the tiny
 * model's own tokenizer (the CLI in this JVM, the real environment, no vLLM engine started).
 */
class PromptLimitE2EIT {

    @BeforeAll
    static void tier() {
        E2ETier.assumeInstalled();
    }

    @Test
    void theModelsTokenizerCountsPromptsWithoutLoadingTheModel() {
        JepTokenCounter counter = new JepTokenCounter(PythonRuntime.shared());
        List<Integer> counts = counter.count(E2ETier.weights(), List.of("Count the cars.", "car ".repeat(40_000))).orElseThrow();
        assertTrue(counts.get(0) > 0 && counts.get(0) < 16, counts.toString());
        assertTrue(counts.get(1) >= 40_000, counts.toString());
        assertTrue(counter.count(E2ETier.modelDir(), List.of("x")).isEmpty(), "a folder without tokenizer.json");
    }

    @Test
    void aOneMegabytePromptExitsTwoNamingTheLimitBeforeTheModelLoads(@TempDir Path dir) throws Exception {
        Path video = Path.of("src/test/resources/samples").toAbsolutePath();
        String prompt = "Describe every car, person and sign in the scene. ".repeat(20_000); // ~1 MB
        StringWriter err = new StringWriter();
        int code = QwenVlCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "caption",
                video.toString(), "-o", dir.resolve("o.jsonl").toString(), "--model-dir", E2ETier.modelDir().toString(),
                "--no-fp8", "--python", TestPython.python().toString(), "--prompt", prompt);
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("the --prompt text is") && err.toString().contains("max_model_len"), err.toString());
        assertEquals(0L, ((Number) PythonRuntime.shared().call("qwenvl_bridge.engine", "count")).longValue(),
                "no engine was started");
        assertTrue(Files.notExists(dir.resolve("o.errors.jsonl")) || Files.size(dir.resolve("o.errors.jsonl")) == 0);
    }

    @Test
    void aSchemaTheGrammarBackendCannotCompileExitsTwoBeforeTheModelLoads(@TempDir Path dir) throws Exception {
        Path video = Path.of("src/test/resources/samples").toAbsolutePath();
        // a valid JSON Schema whose pattern Java compiles, but xgrammar cannot (no Unicode classes yet)
        Path schema = Files.writeString(dir.resolve("unicode.json"),
                "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\", \"pattern\": \"\\\\p{L}+\"}}}");
        StringWriter err = new StringWriter();
        int code = QwenVlCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "caption",
                video.toString(), "-o", dir.resolve("o.jsonl").toString(), "--model-dir", E2ETier.modelDir().toString(),
                "--no-fp8", "--python", TestPython.python().toString(), "--caption-schema", schema.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("unicode.json cannot constrain captions") && err.toString().contains("xgrammar")
                        && err.toString().contains("not supported"),
                err.toString());
        assertEquals(0L, ((Number) PythonRuntime.shared().call("qwenvl_bridge.engine", "count")).longValue(),
                "no engine was started");
        assertTrue(Files.notExists(dir.resolve("o.jsonl")), "refused before the output is opened");
    }
}
