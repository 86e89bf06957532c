package dev.qwenvl.http;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how {@link OpenAiHttpEngine} reaches an OpenAI-compatible server ({@code vllm serve}).
 *
 * @param baseUrl        the API root, e.g. {@code http://localhost:8000/v1} (requests go to
 *                       {@code baseUrl/chat/completions}; the start check reads {@code baseUrl/models})
 * @param model          the served model name the requests ask for ({@code vllm serve}'s
 *                       {@code --served-model-name}, by default the model id it was started with)
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long one request may take, queueing on the server included
 * @param jpegQuality    JPEG quality of the frames sent, 0..1 (1 keeps the most detail)
 * @param apiKey         sent as {@code Authorization: Bearer} when set ({@code vllm serve --api-key}); {@code null}: none
 * @param requestMediaKwargs whether each request carries its window's frame count, rate and pixel
 *                       bounds ({@code media_io_kwargs}, {@code mm_processor_kwargs}); vLLM's server
 *                       takes them only when started with {@code --trust-request-mm-kwargs}. Without
 *                       them the server's own {@code --media-io-kwargs} apply (vLLM's defaults keep
 *                       32 frames and read them as 1 fps)
 */
public record OpenAiEngineConfig(URI baseUrl, String model, Duration connectTimeout, Duration requestTimeout,
                                 float jpegQuality, String apiKey, boolean requestMediaKwargs) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(5);
    public static final float DEFAULT_JPEG_QUALITY = 0.95f;

    public OpenAiEngineConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("engine URL '" + baseUrl + "' is not an http(s) URL with a host; "
                    + "give the server's API root, e.g. http://localhost:8000/v1");
        }
        String path = baseUrl.getPath() == null ? "" : baseUrl.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        baseUrl = URI.create(scheme + "://" + baseUrl.getRawAuthority() + path);
        if (model.isBlank()) {
            throw new IllegalArgumentException("the served model name is blank; give the name vllm serve serves");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive, got connect " + connectTimeout
                    + " and request " + requestTimeout);
        }
        if (!(jpegQuality > 0 && jpegQuality <= 1)) {
            throw new IllegalArgumentException("jpegQuality must be in (0, 1], got " + jpegQuality);
        }
    }

    /** Settings for {@code baseUrl} and {@code model} with the default timeouts and JPEG quality. */
    public static Builder builder(URI baseUrl, String model) {
        return new Builder(baseUrl, model);
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(baseUrl, model).connectTimeout(connectTimeout).requestTimeout(requestTimeout)
                .jpegQuality(jpegQuality).apiKey(apiKey).requestMediaKwargs(requestMediaKwargs);
    }

    /** {@code baseUrl/chat/completions}. */
    public URI chatCompletionsUrl() {
        return URI.create(baseUrl + "/chat/completions");
    }

    /** {@code baseUrl/models}. */
    public URI modelsUrl() {
        return URI.create(baseUrl + "/models");
    }

    @Override
    public String toString() { // never prints the key
        return "OpenAiEngineConfig[" + baseUrl + ", model=" + model + ", connect " + connectTimeout + ", request "
                + requestTimeout + ", jpeg " + jpegQuality + (apiKey == null ? "" : ", api key set")
                + (requestMediaKwargs ? "" : ", no per-request media kwargs") + "]";
    }

    /** Builds an {@link OpenAiEngineConfig}. */
    public static final class Builder {
        private final URI baseUrl;
        private final String model;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private float jpegQuality = DEFAULT_JPEG_QUALITY;
        private String apiKey;
        private boolean requestMediaKwargs = true;

        private Builder(URI baseUrl, String model) {
            this.baseUrl = baseUrl;
            this.model = model;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        public Builder jpegQuality(float value) {
            this.jpegQuality = value;
            return this;
        }

        public Builder apiKey(String value) {
            this.apiKey = value;
            return this;
        }

        public Builder requestMediaKwargs(boolean value) {
            this.requestMediaKwargs = value;
            return this;
        }

        public OpenAiEngineConfig build() {
            return new OpenAiEngineConfig(baseUrl, model, connectTimeout, requestTimeout, jpegQuality, apiKey,
                    requestMediaKwargs);
        }
    }
}
