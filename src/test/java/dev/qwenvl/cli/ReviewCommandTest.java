package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwenvl review} without Python: {@code --thumbs 0} pages, the default errors file, bad options. */
class ReviewCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        return QwenVlCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void writesThePageAndFindsTheErrorsFileBesideTheCaptions() throws IOException {
        Path captions = dir.resolve("run.jsonl");
        Files.write(captions, List.of(new CaptionLine("/v/a.mp4", 0, 1, 0, 255, 0, 8.533, "a red disc", "m", 1, "cfg", 2.0, 1)
                .toJson()), StandardCharsets.UTF_8);
        Files.write(dir.resolve("run.errors.jsonl"), List.of(ErrorsFile.line("/v/b.mp4",
                new dev.qwenvl.video.VideoInputException("/v/b.mp4", dev.qwenvl.video.VideoInputException.Reason.CORRUPT_STREAM,
                        "damaged"))), StandardCharsets.UTF_8);
        Path page = dir.resolve("review.html");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(ExitCodes.OK, run(out, err, "review", captions.toString(), "-o", page.toString(), "--thumbs", "0"), err.toString());
        String html = Files.readString(page);
        assertTrue(html.contains("a red disc"));
        assertTrue(html.contains("CORRUPT_STREAM"), "the default errors file was read");
        assertTrue(out.toString().startsWith("qwenvl review: wrote " + page + " (1 windows of 1 videos"), out.toString());
    }

    @Test
    void aMissingCaptionsFileOrABadSampleExitsWithTwo() throws IOException {
        StringWriter err = new StringWriter();
        assertEquals(ExitCodes.CANNOT_START, run(new StringWriter(), err, "review", dir.resolve("none.jsonl").toString(),
                "-o", dir.resolve("r.html").toString()));
        assertTrue(err.toString().contains("does not exist"), err.toString());
        Path captions = Files.writeString(dir.resolve("c.jsonl"), "");
        StringWriter err2 = new StringWriter();
        assertEquals(ExitCodes.CANNOT_START, run(new StringWriter(), err2, "review", captions.toString(), "-o",
                dir.resolve("r.html").toString(), "--sample", "-3"));
        assertTrue(err2.toString().contains("sample"), err2.toString());
    }
}
