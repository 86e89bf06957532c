package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonLocator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and messages of the cases that need no Python. */
class QwenVlCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return QwenVlCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @AfterEach
    void clearPythonProperty() {
        System.clearProperty(PythonLocator.PROPERTY);
    }

    @Test
    void helpOfEachCommandExitsZero() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("caption") && out.toString().contains("download"), out.toString());
        assertEquals(0, run("caption", "--help"));
        assertTrue(out.toString().contains("--stage2-prompt") && out.toString().contains("Exit codes"));
        assertEquals(0, run("download", "--help"));
        assertTrue(out.toString().contains("--revision"));
    }

    @Test
    void versionExitsZero() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("qwenvl "), out.toString());
    }

    @Test
    void noCommandPrintsUsageAndExitsTwo() {
        assertEquals(ExitCodes.CANNOT_START, run());
        assertTrue(err.toString().contains("Usage: qwenvl"), err.toString());
    }

    @Test
    void badOptionsExitTwoWithAHint() {
        assertEquals(ExitCodes.CANNOT_START, run("caption", "x.mp4"));
        assertTrue(err.toString().contains("Missing required option: '--output=FILE'"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", "x.mp4", "-o", "o.jsonl", "--prompt-variant", "nature"));
        assertTrue(err.toString().contains("valid choices: default, av, av-surveillance"), err.toString());
        assertTrue(err.toString().contains("Try 'qwenvl caption --help'"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", "x.mp4", "-o", "o.jsonl", "--no-such-option"));
        assertEquals(ExitCodes.CANNOT_START, run("download", "--variant", "llama"));
        assertTrue(err.toString().contains("unknown model variant 'llama'"), err.toString());
    }

    @Test
    void aCaptionSchemaThatIsNotJsonOrNotJsonSchemaExitsTwoNamingTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        Path video = Files.writeString(dir.resolve("a.mp4"), "x");
        String o = dir.resolve("o.jsonl").toString();
        Path notJson = Files.writeString(dir.resolve("broken.json"), "{\"type\": \"object\", ");
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--caption-schema", notJson.toString()));
        assertTrue(err.toString().contains("broken.json is not JSON"), err.toString());
        Path notSchema = Files.writeString(dir.resolve("typo.json"), "{\"type\": \"objekt\"}");
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--caption-schema", notSchema.toString()));
        assertTrue(err.toString().contains("typo.json is not a valid JSON Schema"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--caption-schema",
                dir.resolve("missing.json").toString()));
        assertTrue(err.toString().contains("missing.json cannot be read"), err.toString());
        assertTrue(Files.notExists(dir.resolve("o.jsonl")), "refused before any output is opened");
    }

    @Test
    void invalidSettingsExitTwoWithTheLibrarysMessage(@TempDir Path dir) throws Exception {
        Path video = Files.writeString(dir.resolve("a.mp4"), "x");
        String o = dir.resolve("o.jsonl").toString();
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--max-output-tokens", "0"));
        assertTrue(err.toString().contains("maxOutputTokens must be at least 1, got 0"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--stage2-prompt", "More: "));
        assertTrue(err.toString().contains("add --stage2"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--sampling-fps", "-1"));
        assertTrue(err.toString().contains("samplingFps must be a positive finite number"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--sampling-fps", "1e300"));
        assertTrue(err.toString().contains("between 0.01 and 1000 frames per second"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--prompt", "  "));
        assertTrue(err.toString().contains("custom prompt text is blank"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", video.toString(), "-o", o, "--errors", o));
    }

    @Test
    void anOutputOrErrorsFileThatIsAVideoExitsTwoAndIsNotTouched(@TempDir Path dir) throws Exception {
        Path a = Files.write(dir.resolve("a.mp4"), RunFilesTest.MP4_HEAD);
        Path b = Files.write(dir.resolve("b.mp4"), RunFilesTest.MP4_HEAD);
        Path d = Files.write(dir.resolve("d.mp4"), RunFilesTest.MP4_HEAD);
        assertEquals(ExitCodes.CANNOT_START, run("caption", b.toString(), "-o", a.toString()));
        assertTrue(err.toString().contains(a.toString()), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", b.toString(), "-o", b.toString()));
        assertEquals(ExitCodes.CANNOT_START,
                run("caption", b.toString(), "-o", dir.resolve("o.jsonl").toString(), "--errors", d.toString()));
        assertEquals(ExitCodes.CANNOT_START, run("caption", dir.toString(), "-o", dir.resolve("o.jsonl").toString(),
                "--errors", a.toString()));
        for (Path video : new Path[] {a, b, d}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(RunFilesTest.MP4_HEAD, Files.readAllBytes(video), video.toString());
        }
        assertTrue(Files.notExists(dir.resolve("o.jsonl")));
    }

    @Test
    void missingInputsAndEmptyFoldersExitTwo(@TempDir Path dir) {
        assertEquals(ExitCodes.CANNOT_START, run("caption", dir.resolve("gone").toString(), "-o", "o.jsonl"));
        assertTrue(err.toString().contains("does not exist"), err.toString());
        assertEquals(ExitCodes.CANNOT_START, run("caption", dir.toString(), "-o", dir.resolve("o.jsonl").toString()));
        assertTrue(err.toString().contains("no videos found"), err.toString());
    }

    @Test
    void aMissingPythonEnvironmentExitsTwoNamingThePythonAndTheFix(@TempDir Path dir) throws Exception {
        Path video = Files.writeString(dir.resolve("a.mp4"), "x");
        Path python = dir.resolve("no-env/bin/python");
        int code = run("caption", video.toString(), "-o", dir.resolve("o.jsonl").toString(), "--python", python.toString());
        assertEquals(ExitCodes.CANNOT_START, code, err.toString());
        assertTrue(err.toString().contains("cannot start") && err.toString().contains(python.toString()), err.toString());
        assertTrue(err.toString().contains("setup-env.sh"), err.toString());
    }
}
