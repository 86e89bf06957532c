package dev.qwenvl.cli;

import static dev.qwenvl.cli.CaptionLineTest.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Torn-line repair, reading earlier output back, and the resume key. */
class ResumeTest {

    @Test
    void aTornLastLineIsCutBackToTheLastNewline(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out.jsonl");
        Files.writeString(f, "{\"a\":1}\n{\"b\":2}\n{\"c\":", StandardCharsets.UTF_8);
        assertEquals(5, JsonlAppender.repairTornTail(f));
        assertEquals("{\"a\":1}\n{\"b\":2}\n", Files.readString(f));
    }

    @Test
    void aFileWithoutAnyNewlineIsEmptiedAndAWholeFileIsLeftAlone(@TempDir Path dir) throws Exception {
        Path torn = Files.writeString(dir.resolve("t.jsonl"), "x".repeat(20000));
        assertEquals(20000, JsonlAppender.repairTornTail(torn));
        assertEquals(0, Files.size(torn));
        Path whole = Files.writeString(dir.resolve("w.jsonl"), "{}\n{}\n");
        assertEquals(0, JsonlAppender.repairTornTail(whole));
        assertEquals("{}\n{}\n", Files.readString(whole));
        assertEquals(0, JsonlAppender.repairTornTail(dir.resolve("absent.jsonl")));
    }

    @Test
    void aTornLineLongerThanTheReadBufferIsRemovedWhole(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("o.jsonl"), "{}\n" + "y".repeat(3 * 8192 + 17));
        assertEquals(3 * 8192 + 17, JsonlAppender.repairTornTail(f));
        assertEquals("{}\n", Files.readString(f));
    }

    @Test
    void openingTheOutputRepairsItSaysSoAndReadsTheEarlierLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out.jsonl");
        Files.writeString(f, line("/v/a.mp4", 0, 1, "cfg").toJson() + "\n" + "not json\n"
                + line("/v/b.mp4", 0, null, "cfg").toJson().substring(0, 30));
        StringWriter notices = new StringWriter();
        try (CaptionsFile out = CaptionsFile.open(f, new PrintWriter(notices, true))) {
            assertTrue(notices.toString().contains("removed a torn last line"), notices.toString());
            assertTrue(notices.toString().contains("line 2 is not a caption line"), notices.toString());
            assertTrue(out.resumeState().isComplete("/v/a.mp4", "cfg"));
            assertFalse(out.resumeState().contains(new ResumeKey("/v/b.mp4", 0, "cfg")));
            out.append(List.of(line("/v/b.mp4", 0, 1, "cfg")));
            assertTrue(out.resumeState().isComplete("/v/b.mp4", "cfg"));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals(line("/v/b.mp4", 0, 1, "cfg"), CaptionLine.parse(lines.get(2)));
    }

    @Test
    void aVideoIsCompleteOnlyWithEveryWindowOfTheSameSettings() {
        ResumeState s = new ResumeState();
        s.add(line("/v/a.mp4", 0, null, "cfg"));
        assertFalse(s.isComplete("/v/a.mp4", "cfg"), "no line knows the window count yet");
        s.add(line("/v/a.mp4", 2, 3, "cfg"));
        assertFalse(s.isComplete("/v/a.mp4", "cfg"), "window 1 is missing");
        s.add(line("/v/a.mp4", 1, 3, "cfg"));
        assertTrue(s.isComplete("/v/a.mp4", "cfg"));
        assertFalse(s.isComplete("/v/a.mp4", "other"), "other settings caption again");
        assertTrue(s.contains(new ResumeKey("/v/a.mp4", 1, "cfg")));
        assertFalse(s.contains(new ResumeKey("/v/a.mp4", 1, "other")));
    }

    @Test
    void appendedLinesEndWithNewlinesAndRawNewlinesAreRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.jsonl");
        try (JsonlAppender a = JsonlAppender.open(f)) {
            a.append(List.of("{\"a\":1}", "{\"b\":2}"));
            a.append(List.of());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> a.append(List.of("{\n}")));
        }
        assertEquals("{\"a\":1}\n{\"b\":2}\n", Files.readString(f));
    }
}
