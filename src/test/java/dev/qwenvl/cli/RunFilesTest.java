package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFilesTest {
    /** The first bytes of an MP4 file: a size, "ftyp", a brand, then binary boxes. */
    static final byte[] MP4_HEAD = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm',
            '\n', 1, 2, 3, (byte) 0xff, (byte) 0xfe};

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private String refusal(Path output, Path errors, List<Path> videos) {
        CliFailure f = assertThrows(CliFailure.class, () -> RunFiles.check(output, errors, videos));
        assertEquals(ExitCodes.CANNOT_START, f.exitCode());
        return f.getMessage();
    }

    @Test
    void absentAndEmptyFilesAreAccepted() throws Exception {
        Path video = write("a.mp4", MP4_HEAD);
        assertDoesNotThrow(() -> RunFiles.check(dir.resolve("new.jsonl"), dir.resolve("new.errors.jsonl"), List.of(video)));
        Path empty = write("empty.jsonl", "");
        Path emptyErrors = write("empty.errors.jsonl", "");
        assertDoesNotThrow(() -> RunFiles.check(empty, emptyErrors, List.of(video)));
    }

    @Test
    void filesThisToolWroteAreAcceptedIncludingATornFirstLine() throws Exception {
        Path captions = write("c.jsonl", CaptionLineTest.line("/v/a.mp4", 0, 1, "cfg").toJson() + "\n{\"video\":\"/v/b");
        Path errors = write("c.errors.jsonl", ErrorsFile.line("/v/x.mp4", new IllegalStateException("boom")) + "\n");
        assertDoesNotThrow(() -> RunFiles.check(captions, errors, List.of()));
        Path torn = write("torn.jsonl", "{\"video\":\"/v/a.mp4\",\"wind");
        assertDoesNotThrow(() -> RunFiles.check(torn, dir.resolve("e.jsonl"), List.of()));
    }

    @Test
    void anOutputThatIsAnInputVideoIsRefusedAndLeftByteIdentical() throws Exception {
        Path video = write("a.jsonl", MP4_HEAD); // even when its name looks like ours
        String message = refusal(video, dir.resolve("e.jsonl"), List.of(video));
        assertTrue(message.contains("is one of the input videos") && message.contains(video.toString()), message);
        assertArrayEquals(MP4_HEAD, Files.readAllBytes(video));
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), video);
        assertTrue(refusal(link, dir.resolve("e.jsonl"), List.of(video)).contains("is one of the input videos"));
    }

    @Test
    void anExistingFileOfAnotherKindIsRefused() throws Exception {
        Path video = write("other.mp4", MP4_HEAD);
        String message = refusal(video, dir.resolve("e.jsonl"), List.of());
        assertTrue(message.contains("video file extension"), message);
        Path binary = write("frames.bin", MP4_HEAD);
        message = refusal(binary, dir.resolve("e.jsonl"), List.of());
        assertTrue(message.contains("binary data") && message.contains("left untouched"), message);
        Path notes = write("notes.jsonl", "my notes\nmore\n");
        message = refusal(notes, dir.resolve("e.jsonl"), List.of());
        assertTrue(message.contains("not a captions line"), message);
        Path oneLine = write("one.txt", "just text without a newline");
        assertTrue(refusal(oneLine, dir.resolve("e.jsonl"), List.of()).contains("its only line"));
        Path otherJson = write("other.jsonl", "{\"video\":\"/v/a.mp4\",\"window\":\"x\"}\n");
        assertTrue(refusal(otherJson, dir.resolve("e.jsonl"), List.of()).contains("not a captions line"));
        assertArrayEquals(MP4_HEAD, Files.readAllBytes(binary));
        assertEquals("my notes\nmore\n", Files.readString(notes));
    }

    @Test
    void theErrorsFileIsCheckedLikeTheOutput() throws Exception {
        Path video = write("d.mp4", MP4_HEAD);
        String message = refusal(dir.resolve("o.jsonl"), video, List.of());
        assertTrue(message.contains("errors file") && message.contains("video file extension"), message);
        Path captions = write("c.jsonl", CaptionLineTest.line("/v/a.mp4", 0, 1, "cfg").toJson() + "\n");
        message = refusal(dir.resolve("o.jsonl"), captions, List.of());
        assertTrue(message.contains("not an errors line"), message);
        assertArrayEquals(MP4_HEAD, Files.readAllBytes(video));
    }

    @Test
    void outputAndErrorsMustBeDifferentFiles() throws Exception {
        Path out = write("o.jsonl", "");
        Path alias = Files.createSymbolicLink(dir.resolve("alias.jsonl"), out);
        assertTrue(refusal(out, out, List.of()).contains("same file"));
        assertTrue(refusal(out, alias, List.of()).contains("same file"));
    }

    @Test
    void foldersAndNonRegularFilesAreRefused() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out"));
        assertTrue(refusal(folder, dir.resolve("e.jsonl"), List.of()).contains("is a folder"));
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.jsonl"), dir.resolve("nowhere"));
        assertTrue(refusal(dangling, dir.resolve("e.jsonl"), List.of()).contains("not a regular file"));
    }

    @Test
    void aNamedPipeAsTheOutputIsNamedAFifo() throws Exception {
        Path fifo = dev.qwenvl.video.FileKindTest.mkfifo(dir.resolve("out.jsonl"));
        String message = refusal(fifo, dir.resolve("e.jsonl"), List.of());
        assertTrue(message.contains("is a named pipe (FIFO), not a regular file"), message);
    }
}
