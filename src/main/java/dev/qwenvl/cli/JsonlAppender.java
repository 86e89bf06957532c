package dev.qwenvl.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Appends whole lines to a JSON-lines file and makes them durable: each {@link #append} writes
 * its lines in one go, then forces them to disk (fsync), so after a crash the file holds every
 * earlier batch in full. A batch cut short by a kill leaves at most one torn last line, which
 * {@link #repairTornTail} removes before the next run appends.
 */
final class JsonlAppender implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;

    private JsonlAppender(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Opens {@code path} for appending (created if missing), after {@link #repairTornTail}. */
    static JsonlAppender open(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new JsonlAppender(path, ch);
    }

    /** Opens {@code path} emptied (for files that describe only the current run). */
    static JsonlAppender openTruncated(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel ignored = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // emptied
        }
        return open(path);
    }

    /**
     * When {@code path} exists and its last byte is not a newline, cuts the file back to just
     * after its last newline (the torn line an interrupted write left).
     *
     * @return the number of bytes removed (0 when the file was whole or absent)
     */
    static long repairTornTail(Path path) throws IOException {
        if (!Files.exists(path)) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0 || lastByte(ch, size) == '\n') {
                return 0;
            }
            long keep = size;
            ByteBuffer buf = ByteBuffer.allocate(8192);
            long searchEnd = size;
            outer:
            while (searchEnd > 0) {
                long start = Math.max(0, searchEnd - buf.capacity());
                buf.clear().limit((int) (searchEnd - start));
                readFully(ch, buf, start);
                for (int i = buf.limit() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        keep = start + i + 1;
                        break outer;
                    }
                }
                searchEnd = start;
                keep = 0;
            }
            ch.truncate(keep);
            ch.force(true);
            return size - keep;
        }
    }

    private static byte lastByte(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(ch, one, size - 1);
        return one.get(0);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file while reading");
            }
            pos += n;
        }
    }

    /** Writes {@code lines} (no newlines inside), each followed by a newline, then fsyncs. */
    synchronized void append(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a JSON line may not contain a raw newline");
            }
            sb.append(line).append('\n');
        }
        ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(true);
    }

    Path path() {
        return path;
    }

    /** Waits for a running append to finish, then closes. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
