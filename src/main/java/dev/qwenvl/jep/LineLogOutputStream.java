package dev.qwenvl.jep;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;

/**
 * Turns what Python writes to stdout or stderr into one SLF4J record per line. With an end mark, a
 * line that ends with the mark is not logged as such: the text before the mark (a partial line left
 * by the writer) is, and {@code onEndMark} runs.
 */
final class LineLogOutputStream extends OutputStream {
    private static final int MAX_LINE = 64 * 1024;

    private final Logger logger;
    private final boolean warn;
    private final String endMark; // null: none
    private final Runnable onEndMark;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineLogOutputStream(Logger logger, boolean warn) {
        this(logger, warn, null, () -> { });
    }

    LineLogOutputStream(Logger logger, boolean warn, String endMark, Runnable onEndMark) {
        this.logger = logger;
        this.warn = warn;
        this.endMark = endMark == null || endMark.isEmpty() ? null : endMark;
        this.onEndMark = onEndMark;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else {
            line.write(b);
            if (line.size() >= MAX_LINE) {
                emit();
            }
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() {
        // Lines are emitted when complete; a partial line waits for its newline or close().
    }

    @Override
    public synchronized void close() {
        if (line.size() > 0) {
            emit();
        }
    }

    private void emit() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (endMark != null && text.endsWith(endMark)) {
            String before = text.substring(0, text.length() - endMark.length());
            if (!before.isEmpty()) {
                log(before);
            }
            onEndMark.run();
            return;
        }
        log(text);
    }

    private void log(String text) {
        if (warn) {
            logger.warn(text);
        } else {
            logger.info(text);
        }
    }
}
