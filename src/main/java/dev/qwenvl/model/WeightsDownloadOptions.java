package dev.qwenvl.model;

import java.util.Objects;

/**
 * Optional settings of a weights download, built with {@link #builder()} (or {@link #defaults()}
 * and the {@code with*} methods). A {@code null} value means "the default":
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

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these options. */
    public Builder toBuilder() {
        return new Builder().revision(revision).token(token).endpoint(endpoint).progress(progress);
    }

    public WeightsDownloadOptions withRevision(String value) {
        return toBuilder().revision(value).build();
    }

    public WeightsDownloadOptions withToken(String value) {
        return toBuilder().token(value).build();
    }

    public WeightsDownloadOptions withEndpoint(String value) {
        return toBuilder().endpoint(value).build();
    }

    public WeightsDownloadOptions withProgress(DownloadProgress value) {
        return toBuilder().progress(Objects.requireNonNull(value, "progress")).build();
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

    /** Collects download options, every one at its default until set; not thread-safe. */
    public static final class Builder {
        private String revision;
        private String token;
        private String endpoint;
        private DownloadProgress progress = DownloadProgress.NONE;

        private Builder() {}

        /** Default: the variant's pinned revision. */
        public Builder revision(String value) {
            this.revision = value;
            return this;
        }

        /** Default: {@code HF_TOKEN}, then the token file of {@code hf auth login}. */
        public Builder token(String value) {
            this.token = value;
            return this;
        }

        /** Default: {@code HF_ENDPOINT}, then https://huggingface.co. */
        public Builder endpoint(String value) {
            this.endpoint = value;
            return this;
        }

        /** Default {@link DownloadProgress#NONE}. */
        public Builder progress(DownloadProgress value) {
            this.progress = value;
            return this;
        }

        public WeightsDownloadOptions build() {
            return new WeightsDownloadOptions(revision, token, endpoint, progress);
        }
    }
}
