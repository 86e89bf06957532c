package dev.qwenvl.cli;

/** The CLI's exit codes. */
final class ExitCodes {
    /** Every input succeeded (or was already done). */
    static final int OK = 0;
    /** Something failed that no other code covers (a download that failed, a bug: see the message). */
    static final int FAILED = 1;
    /** The run could not start: bad options, no inputs, Python environment or vLLM missing, model not loadable. */
    static final int CANNOT_START = 2;
    /** The run finished but some inputs failed (see the errors file). */
    static final int SOME_FAILED = 3;
    /** Interrupted (Ctrl-C); the JVM itself exits with this on SIGINT. */
    static final int INTERRUPTED = 130;

    private ExitCodes() {}
}
