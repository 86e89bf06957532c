package dev.qwenvl.jep;

import dev.qwenvl.QwenVlException;
import java.util.Map;
import java.util.Optional;

/**
 * A Python exception that crossed into Java. Carries the Python type (qualified name, e.g.
 * {@code builtins.ValueError}), the message and the formatted Python traceback, which is also
 * part of {@link #getMessage()}. A failure the Python half raised as a {@code BridgeError}
 * ({@code qwenvl_bridge.errors}) also carries its {@linkplain #domain() domain},
 * {@linkplain #reason() reason} and {@linkplain #details() details}, from which
 * {@link PythonBridge} makes the typed exception callers see.
 */
public class PythonException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    private final String pythonType;
    private final String pythonMessage;
    private final String pythonTraceback;
    private final String domain;
    private final String reason;
    private final transient Map<String, Object> details;

    public PythonException(String call, String pythonType, String pythonMessage, String pythonTraceback, Throwable cause) {
        this(call, pythonType, pythonMessage, pythonTraceback, null, null, Map.of(), cause);
    }

    /**
     * @param domain  the Java exception family of a {@code BridgeError} ({@code video}, {@code download},
     *                {@code engine}), or null
     * @param reason  its reason, or null
     * @param details its details (plain values by name); empty when none
     */
    public PythonException(String call, String pythonType, String pythonMessage, String pythonTraceback,
                           String domain, String reason, Map<String, Object> details, Throwable cause) {
        super("Python call " + call + " raised " + pythonType + ": " + pythonMessage
                + (pythonTraceback.isEmpty() ? "" : "\n" + pythonTraceback.stripTrailing()), cause);
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback;
        this.domain = domain;
        this.reason = reason;
        this.details = Map.copyOf(details);
    }

    /** Qualified Python type name, e.g. {@code builtins.ValueError} or {@code qwenvl_bridge.videoio.errors.VideoError}. */
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

    /** The domain of a {@code BridgeError} ({@code video}, {@code download}, {@code engine}); empty for other exceptions. */
    public Optional<String> domain() {
        return Optional.ofNullable(domain);
    }

    /** The reason of a {@code BridgeError}; empty for other exceptions. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** The details of a {@code BridgeError} by name, as JEP converted them (String, Long, Double, Boolean). */
    public Map<String, Object> details() {
        return details == null ? Map.of() : details;
    }

    /** True when the Python type (or its simple name) is {@code typeName}. */
    public boolean isType(String typeName) {
        return pythonType.equals(typeName) || pythonType.endsWith("." + typeName);
    }
}
