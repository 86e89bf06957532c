package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class FileKindTest {

    @Test
    void aNamedPipeGivenAsAVideoFileIsNamedAFifoAndNeverOpened(@TempDir Path dir) throws Exception {
        Path fifo = mkfifo(dir.resolve("pipe.mp4"));
        assertEquals(FileKind.FIFO, FileKind.of(fifo));
        VideoInputException e = assertThrows(VideoInputException.class, () -> new VideoSource.VideoFile(fifo));
        assertEquals(VideoInputException.Reason.UNREADABLE_FILE, e.reason());
        assertTrue(e.getMessage().contains("is a named pipe (FIFO), not a regular file"), e.getMessage());
        assertFalse(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void aFolderGivenAsAVideoFileIsNamedAFolder(@TempDir Path dir) {
        assertEquals(FileKind.DIRECTORY, FileKind.of(dir));
        VideoInputException e = assertThrows(VideoInputException.class, () -> new VideoSource.VideoFile(dir));
        assertTrue(e.getMessage().contains("is a folder, not a regular file"), e.getMessage());
    }

    @Test
    void aCharacterDeviceIsNamedOne() {
        Path devNull = Path.of("/dev/null");
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(devNull));
        VideoInputException e = assertThrows(VideoInputException.class, () -> new VideoSource.VideoFile(devNull));
        assertTrue(e.getMessage().contains("is a character device"), e.getMessage());
    }

    @Test
    void everyPosixFileTypeHasItsKind() throws IOException {
        assertEquals(FileKind.REGULAR_FILE, FileKind.ofMode(0100644));
        assertEquals(FileKind.DIRECTORY, FileKind.ofMode(0040755));
        assertEquals(FileKind.FIFO, FileKind.ofMode(0010644));
        assertEquals(FileKind.SOCKET, FileKind.ofMode(0140777));
        assertEquals(FileKind.CHARACTER_DEVICE, FileKind.ofMode(0020666));
        assertEquals(FileKind.BLOCK_DEVICE, FileKind.ofMode(0060660));
        assertEquals(FileKind.SYMBOLIC_LINK, FileKind.ofMode(0120777));
        assertEquals(FileKind.MISSING, FileKind.of(Path.of("/nonexistent/qwenvl/x.mp4")));
    }

    public static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo " + path);
        assertTrue(Files.exists(path));
        return path;
    }
}
