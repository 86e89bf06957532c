package dev.qwenvl.model;

import dev.qwenvl.QwenVlException;
import java.util.Objects;

/**
 * Downloading a model's weights failed. The message is the Python half's: it names the model, the
 * revision and the fix. {@link #reason()} says why, for code that reacts to some causes (asks for
 * a token, retries on {@link Reason#NETWORK}, ...).
 */
public class WeightsDownloadException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    /** Why a download failed; the names equal the Python half's {@code download.Reason} values. */
    public enum Reason {
        /** The model is gated and no token was given ({@code HF_TOKEN}, or the token argument). */
        GATED_NEEDS_TOKEN,
        /** The model is gated and the token given was refused. */
        GATED_ACCESS_DENIED,
        /** The revision does not exist in the repository. */
        UNKNOWN_REVISION,
        /** No such repository, or it is private and the token cannot see it. */
        REPO_NOT_FOUND,
        /** The endpoint is unreachable, the connection was lost, or offline mode is on. */
        NETWORK,
        /** Not enough free disk space in the model directory. */
        DISK_FULL,
        /** The model directory cannot be written. */
        LOCAL_IO,
        /** The hub answered with an unexpected HTTP error. */
        HUB_ERROR,
        /** The download finished but files do not match the listing. */
        INCOMPLETE,
        /** An argument is invalid (model id, revision). */
        BAD_ARGUMENT,
        /** A reason this version of the Java half does not know (newer Python half). */
        UNKNOWN;

        /** The reason named {@code name}, or {@link #UNKNOWN}. */
        public static Reason fromName(String name) {
            for (Reason r : values()) {
                if (r.name().equals(name)) {
                    return r;
                }
            }
            return UNKNOWN;
        }
    }

    private final Reason reason;
    private final String modelId;
    private final String revision;

    public WeightsDownloadException(Reason reason, String message, String modelId, String revision) {
        this(reason, message, modelId, revision, null);
    }

    /** @param cause the failure as the Python half reported it (its traceback), or null */
    public WeightsDownloadException(Reason reason, String message, String modelId, String revision, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.modelId = modelId;
        this.revision = revision;
    }

    public Reason reason() {
        return reason;
    }

    /** The model id the download was for. */
    public String modelId() {
        return modelId;
    }

    /** The revision the download was for. */
    public String revision() {
        return revision;
    }
}
