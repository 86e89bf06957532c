package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineUnavailableException;
import dev.qwenvl.engine.UnsafeStartMethodException;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.video.VideoInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one way Python failures become Java exceptions. The Python half describes every failure
 * by name ({@code bridge.describe} for a raised exception, {@code errors.failure} for a failed
 * stream request): {@code type}, {@code message}, {@code traceback}, and for a
 * {@code BridgeError} its {@code domain}, {@code reason} and {@code details}. Both are decoded
 * here into a {@link PythonException}, and {@link #typed} maps domain and reason to the library's
 * typed exceptions (see {@link PythonBridge}'s class notes for the table).
 */
final class BridgeFailures {
    /** Error domains, as {@code qwenvl_bridge.errors} names them. */
    static final String VIDEO_DOMAIN = "video";
    static final String DOWNLOAD_DOMAIN = "download";
    static final String ENGINE_DOMAIN = "engine";
    /** Engine reasons, as {@code qwenvl_bridge.errors.EngineError} names them. */
    static final String ENGINE_UNAVAILABLE = "ENGINE_UNAVAILABLE";
    static final String UNSAFE_START_METHOD = "UNSAFE_START_METHOD";
    static final String ENGINE_DIED = "ENGINE_DIED";
    /** A stream request aborted because its engine was closed. */
    static final String ABORTED = "ABORTED";
    /** A stream request the engine refused or failed alone. */
    static final String REQUEST_FAILED = "REQUEST_FAILED";

    private BridgeFailures() {}

    /**
     * A described Python failure ({@code bridge.describe} or {@code errors.failure}) as a
     * {@link PythonException} of {@code call}.
     */
    static PythonException decode(String call, Map<?, ?> described, Throwable cause) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (described.get("details") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v != null) {
                    details.put(String.valueOf(k), v);
                }
            });
        }
        return new PythonException(call, text(described, "type", "unknown"), text(described, "message", ""),
                text(described, "traceback", ""), text(described, "domain", null), text(described, "reason", null),
                details, cause);
    }

    private static String text(Map<?, ?> described, String key, String otherwise) {
        Object v = described.get(key);
        return v == null ? otherwise : String.valueOf(v);
    }

    /**
     * The typed exception for a Python failure: a {@code BridgeError}'s domain and reason choose
     * the type; any other failure is returned unchanged. The Python exception is the cause.
     */
    static RuntimeException typed(PythonException e) {
        String domain = e.domain().orElse(null);
        String reason = e.reason().orElse(null);
        if (domain == null || reason == null) {
            return e;
        }
        return switch (domain) {
            case VIDEO_DOMAIN -> new VideoInputException(detail(e, "source"), videoReason(reason), detail(e, "detail"), e);
            case DOWNLOAD_DOMAIN -> new WeightsDownloadException(WeightsDownloadException.Reason.fromName(reason),
                    e.pythonMessage(), detail(e, "model_id"), detail(e, "revision"), e);
            case ENGINE_DOMAIN -> switch (reason) {
                case ENGINE_UNAVAILABLE -> new EngineUnavailableException(e.pythonMessage(), e);
                case UNSAFE_START_METHOD -> new UnsafeStartMethodException(e.pythonMessage(), e);
                case ENGINE_DIED -> died(e);
                default -> new EngineException(e.pythonMessage(), e); // ABORTED, REQUEST_FAILED
            };
            default -> e;
        };
    }

    /** True when {@code e} reports that vLLM's engine process died (ours, or vLLM's own notice). */
    static boolean isEngineDeath(PythonException e) {
        return ENGINE_DOMAIN.equals(e.domain().orElse(null)) && ENGINE_DIED.equals(e.reason().orElse(null));
    }

    /** True when the death names its process (the engine watch's notice; vLLM's own names none). */
    static boolean namesTheProcess(PythonException e) {
        return e.details().get("pid") instanceof Number;
    }

    /**
     * The death an {@code ENGINE_DIED} failure reports: with the process, pid, exit code and signal
     * of its details when the engine watch saw it, else vLLM's own notice without them.
     */
    private static EngineDiedException died(PythonException e) {
        Map<String, Object> d = e.details();
        if (namesTheProcess(e)) {
            Integer code = d.get("exit_code") instanceof Number n ? n.intValue() : null;
            Object signal = d.get("signal");
            return new EngineDiedException(e.pythonMessage(), String.valueOf(d.getOrDefault("process", "EngineCore")),
                    ((Number) d.get("pid")).longValue(), code, signal == null ? null : String.valueOf(signal), e);
        }
        return new EngineDiedException("vLLM's engine core died (" + e.pythonMessage()
                + "); the engine cannot answer any more requests: start a new one (QwenVL.setup() restarts it)",
                "EngineCore", -1, null, null, e);
    }

    /** The video reason named {@code name}; a name this Java half does not know reads as a corrupt stream. */
    private static VideoInputException.Reason videoReason(String name) {
        try {
            return VideoInputException.Reason.valueOf(name);
        } catch (IllegalArgumentException unknown) {
            return VideoInputException.Reason.CORRUPT_STREAM;
        }
    }

    private static String detail(PythonException e, String name) {
        Object v = e.details().get(name);
        return v == null ? "" : String.valueOf(v);
    }
}
