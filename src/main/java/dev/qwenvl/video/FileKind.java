package dev.qwenvl.video;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What kind of file system object a path names (links followed), for messages that must say why
 * a path is not a video file: "is a named pipe (FIFO)" rather than a guess. Never opens the path
 * (opening a FIFO blocks until a writer comes).
 */
public enum FileKind {
    REGULAR_FILE("a regular file"),
    DIRECTORY("a folder"),
    FIFO("a named pipe (FIFO)"),
    SOCKET("a socket"),
    CHARACTER_DEVICE("a character device"),
    BLOCK_DEVICE("a block device"),
    SYMBOLIC_LINK("a symbolic link whose target is missing"),
    MISSING("missing"),
    OTHER("a special file");

    private static final int S_IFMT = 0170000;

    private final String description;

    FileKind(String description) {
        this.description = description;
    }

    /** "a named pipe (FIFO)", "a folder", ... */
    public String description() {
        return description;
    }

    /** The kind of {@code path}, following links; from the POSIX file mode where the platform gives one. */
    public static FileKind of(Path path) {
        if (!Files.exists(path)) {
            return Files.isSymbolicLink(path) ? SYMBOLIC_LINK : MISSING;
        }
        if (Files.isDirectory(path)) {
            return DIRECTORY;
        }
        if (Files.isRegularFile(path)) {
            return REGULAR_FILE;
        }
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer m ? ofMode(m) : OTHER;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return OTHER;
        }
    }

    /** The kind a POSIX {@code st_mode} gives. */
    static FileKind ofMode(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> REGULAR_FILE;
            case 0040000 -> DIRECTORY;
            case 0010000 -> FIFO;
            case 0140000 -> SOCKET;
            case 0020000 -> CHARACTER_DEVICE;
            case 0060000 -> BLOCK_DEVICE;
            case 0120000 -> SYMBOLIC_LINK;
            default -> OTHER;
        };
    }
}
