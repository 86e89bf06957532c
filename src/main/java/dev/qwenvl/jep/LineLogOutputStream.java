package dev.qwenvl.jep;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;

/** Turns what Python writes to stdout or stderr into one SLF4J record per line. */
final class LineLogOutputStream extends OutputStream {
    private static final int MAX_LINE = 64 * 1024;

    private final Logger logger;
    private final boolean warn;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineLogOutputStream(Logger logger, boolean warn) {
        this.logger = logger;
        this.warn = warn;
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
        if (warn) {
            logger.warn(text);
        } else {
            logger.info(text);
        }
    }
}
