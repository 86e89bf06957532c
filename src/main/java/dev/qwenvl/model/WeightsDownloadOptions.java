package dev.qwenvl.model;

import java.util.Objects;

/**
 * Optional settings of a weights download. A {@code null} value means "the default":
 *
 * @param revision the revision to fetch; default: the variant's pinned {@link ModelVariant#revision()}
 * @param token    HuggingFace token; default: {@code HF_TOKEN}, then the token file of {@code hf auth login}
 * @param endpoint hub URL; default: {@code HF_ENDPOINT}, then https://huggingface.co
 * @param progress told as bytes arrive; never {@code null} ({@link DownloadProgress#NONE} by default)
 */
public record WeightsDownloadOptions(String revision, String token, String endpoint, DownloadProgress progress) {

    public WeightsDownloadOptions {
        revision = blankToNull(revision);
        token = blankToNull(token);
        endpoint = blankToNull(endpoint);
        progress = progress == null ? DownloadProgress.NONE : progress;
    }

    /** Every setting at its default. */
    public static WeightsDownloadOptions defaults() {
        return new WeightsDownloadOptions(null, null, null, null);
    }

    public WeightsDownloadOptions withRevision(String value) {
        return new WeightsDownloadOptions(value, token, endpoint, progress);
    }

    public WeightsDownloadOptions withToken(String value) {
        return new WeightsDownloadOptions(revision, value, endpoint, progress);
    }

    public WeightsDownloadOptions withEndpoint(String value) {
        return new WeightsDownloadOptions(revision, token, value, progress);
    }

    public WeightsDownloadOptions withProgress(DownloadProgress value) {
        return new WeightsDownloadOptions(revision, token, endpoint, Objects.requireNonNull(value, "progress"));
    }

    /** The revision to fetch for {@code variant}. */
    public String revisionFor(ModelVariant variant) {
        return revision != null ? revision : variant.revision();
    }

    /** Hides the token. */
    @Override
    public String toString() {
        return "WeightsDownloadOptions[revision=" + revision + ", token=" + (token == null ? "default" : "***")
                + ", endpoint=" + endpoint + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
