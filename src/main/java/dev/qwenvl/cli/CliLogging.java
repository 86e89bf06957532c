package dev.qwenvl.cli;

import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging: the launcher uses its own logback configuration (WARN and above on stderr,
 * short lines; the library's logs of per-video failures left out, as the errors file has them),
 * {@code --verbose} lowers the library's loggers to INFO.
 */
final class CliLogging {
    static final String CONFIG_PROPERTY = "logback.configurationFile";
    static final String CONFIG_RESOURCE = "dev/qwenvl/cli/logback-cli.xml";

    private CliLogging() {}

    /** Selects the CLI's logback configuration unless the user chose one; call before any logging. */
    static void configure() {
        if (System.getProperty(CONFIG_PROPERTY) == null) {
            System.setProperty(CONFIG_PROPERTY, CONFIG_RESOURCE);
        }
    }

    /**
     * The run is stopping (Ctrl-C, SIGTERM): the windows that fail because the engine closes under
     * them, and the videos whose decoding the closed runtime cuts short, are no failures: the
     * captioner's logs are no longer shown.
     */
    static void stopping() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof ch.qos.logback.classic.LoggerContext context) {
            context.getLogger("dev.qwenvl.caption.VideoCaptioner").setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }

    /** INFO for the library and the Python half. */
    static void verbose() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof ch.qos.logback.classic.LoggerContext context) {
            for (String name : new String[] {"dev.qwenvl", "python", "dev.qwenvl.caption.VideoCaptioner",
                    "dev.qwenvl.model.QwenVL"}) {
                context.getLogger(name).setLevel(ch.qos.logback.classic.Level.INFO);
            }
        }
    }
}
