package dev.qwenvl.cli;

import dev.qwenvl.video.FileKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Guards the files a caption run writes: before anything is opened for writing, the captions
 * output and the errors file must each be absent, empty, or a JSON-lines file of the kind this
 * tool writes; they must differ from each other and from every input video. A run never repairs,
 * truncates or appends to a file it did not write.
 *
 * <p>"Of the kind this tool writes" is judged from the file's first line (read at most
 * {@value #SNIFF_BYTES} bytes): UTF-8 text with no NUL byte whose first line parses as a captions
 * line (resp. an errors line with {@code video}, {@code reason} and {@code message}), or, when the
 * whole file is one line without a newline (the first write was torn by a kill), that starts the
 * way every line of ours starts ({@value #LINE_START}).
 */
final class RunFiles {
    /** How many bytes of an existing file are read to recognise it. */
    static final int SNIFF_BYTES = 64 * 1024;
    /** How every line this tool writes starts (captions and errors alike). */
    static final String LINE_START = "{\"video\":\"";

    /** What kind of file a run expects at a path. */
    enum Kind {
        CAPTIONS("output", "captions"),
        ERRORS("errors file", "errors");

        private final String role;
        private final String content;

        Kind(String role, String content) {
            this.role = role;
            this.content = content;
        }
    }

    private RunFiles() {}

    /**
     * Checks the run's two output files against each other, the inputs and their contents.
     *
     * @throws CliFailure (exit 2) naming the file and what to do, when a check fails
     * @throws IOException when an existing file cannot be read
     */
    static void check(Path output, Path errors, List<Path> videos) throws IOException {
        Objects.requireNonNull(videos, "videos");
        if (sameFile(output, errors)) {
            throw refuse("--errors " + errors + " is the same file as the output " + output
                    + "; give the errors file another name");
        }
        checkOne(output, Kind.CAPTIONS, videos);
        checkOne(errors, Kind.ERRORS, videos);
    }

    private static void checkOne(Path path, Kind kind, List<Path> videos) throws IOException {
        for (Path video : videos) {
            if (sameFile(path, video)) {
                throw refuse("the " + kind.role + " " + path + " is one of the input videos; it would be overwritten."
                        + " Write the " + kind.content + " to a .jsonl file outside the inputs");
            }
        }
        if (VideoFinder.hasVideoExtension(path)) {
            throw refuse("the " + kind.role + " " + path + " has a video file extension; the " + kind.content
                    + " are JSON lines: name the file .jsonl");
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path)) {
            throw refuse("the " + kind.role + " " + path + " is a folder; give a file name such as "
                    + path.resolve(kind == Kind.CAPTIONS ? "captions.jsonl" : "errors.jsonl"));
        }
        if (!Files.isRegularFile(path)) {
            throw refuse("the " + kind.role + " " + path + " is " + FileKind.of(path).description()
                    + ", not a regular file; give a .jsonl file");
        }
        String problem = recognise(path, kind);
        if (problem != null) {
            throw refuse("the " + kind.role + " " + path + " exists and was not written by qwenvl caption (" + problem
                    + "); it is left untouched. Choose another file, or move this one away");
        }
    }

    /**
     * Why the existing file at {@code path} is not a {@code kind} file of ours, or null when it is
     * (or is empty).
     */
    static String recognise(Path path, Kind kind) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(SNIFF_BYTES);
        }
        if (head.length == 0) {
            return null;
        }
        int newline = indexOf(head, (byte) '\n');
        int end = newline >= 0 ? newline : head.length;
        int nul = indexOf(head, (byte) 0);
        if (nul >= 0 && nul < end) {
            return "it holds binary data";
        }
        String first;
        try {
            first = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(head, 0, end)).toString();
        } catch (CharacterCodingException e) {
            return "its first line is not UTF-8 text";
        }
        if (newline < 0) {
            if (head.length == SNIFF_BYTES) {
                return "no line break in its first " + SNIFF_BYTES + " bytes";
            }
            // One line without a newline: a first write torn by a kill, if it starts like ours.
            return first.startsWith(LINE_START) ? null : "its only line is not a " + kind.content + " line";
        }
        return firstLineProblem(first.strip(), kind);
    }

    private static String firstLineProblem(String line, Kind kind) {
        if (kind == Kind.CAPTIONS) {
            try {
                CaptionLine.parse(line);
                return null;
            } catch (IllegalArgumentException e) {
                return "its first line is not a captions line: " + e.getMessage();
            }
        }
        try {
            Map<String, Object> fields = Json.parseObject(line);
            if (fields.get("video") instanceof String && fields.get("reason") instanceof String
                    && fields.containsKey("message")) {
                return null;
            }
            return "its first line is not an errors line (video, reason, message)";
        } catch (IllegalArgumentException e) {
            return "its first line is not JSON: " + e.getMessage();
        }
    }

    /** Whether two paths name the same file: the same file when both exist, else the same normalised path. */
    static boolean sameFile(Path a, Path b) throws IOException {
        Path na = a.toAbsolutePath().normalize();
        Path nb = b.toAbsolutePath().normalize();
        if (na.equals(nb)) {
            return true;
        }
        if (Files.exists(na) && Files.exists(nb)) {
            return Files.isSameFile(na, nb);
        }
        return false;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static CliFailure refuse(String message) {
        return new CliFailure(ExitCodes.CANNOT_START, message);
    }
}
