package dev.qwenvl.jep;

import dev.qwenvl.QwenVlException;

/**
 * A Python exception that crossed into Java. Carries the Python type (qualified name, e.g.
 * {@code builtins.ValueError}), the message and the formatted Python traceback, which is also
 * part of {@link #getMessage()}.
 */
public class PythonException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    private final String pythonType;
    private final String pythonMessage;
    private final String pythonTraceback;

    public PythonException(String call, String pythonType, String pythonMessage, String pythonTraceback, Throwable cause) {
        super("Python call " + call + " raised " + pythonType + ": " + pythonMessage
                + (pythonTraceback.isEmpty() ? "" : "\n" + pythonTraceback.stripTrailing()), cause);
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback;
    }

    /** Qualified Python type name, e.g. {@code builtins.ValueError} or {@code qwenvl_bridge.video.VideoError}. */
    public String pythonType() {
        return pythonType;
    }

    /** {@code str(exception)} on the Python side. */
    public String pythonMessage() {
        return pythonMessage;
    }

    /** The formatted Python traceback ({@code traceback.format_exception}). */
    public String pythonTraceback() {
        return pythonTraceback;
    }

    /** True when the Python type (or its simple name) is {@code typeName}. */
    public boolean isType(String typeName) {
        return pythonType.equals(typeName) || pythonType.endsWith("." + typeName);
    }
}
