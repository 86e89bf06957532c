package dev.qwenvl.jep;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Python {@code logging} records (from any Python thread) and logs them through SLF4J
 * under {@code python.<logger name>}. Public only because Python calls it through JEP; not API.
 */
public final class PythonLogSink {
    static final String PREFIX = "python.";

    /** Python logging levels (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL) to SLF4J. */
    public void log(String name, int level, String message) {
        Logger logger = LoggerFactory.getLogger(PREFIX + (name == null || name.isEmpty() ? "root" : name));
        if (level >= 40) {
            logger.error(message);
        } else if (level >= 30) {
            logger.warn(message);
        } else if (level >= 20) {
            logger.info(message);
        } else if (level >= 10) {
            logger.debug(message);
        } else {
            logger.trace(message);
        }
    }

    /** The Python level that matches what SLF4J would let through for {@code python.*}. */
    static int pythonLevelFor(Logger logger) {
        if (logger.isDebugEnabled()) {
            return 10;
        }
        if (logger.isInfoEnabled()) {
            return 20;
        }
        return logger.isWarnEnabled() ? 30 : 40;
    }
}
