package dev.qwenvl.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link LlmEngine} over an OpenAI-compatible chat-completions server, for users who already
 * run {@code vllm serve}: each request is one {@code POST baseUrl/chat/completions} (body: see
 * {@link ChatCompletionBody}), sent asynchronously, so many requests are in flight at once and
 * the server batches them.
 *
 * <p>Frames: the engine needs the pixels in Java. {@link VideoPayload.Frames} are used as they
 * are; any other payload (frames a decoder holds elsewhere) goes through the {@code frames}
 * function given at start (the JEP adapter's {@code PythonFramesReader} for frames decoded in the
 * embedded Python), so this package never knows where frames live. Each frame is JPEG-encoded and
 * base64-encoded: the cost over the embedded engine is one JPEG encode per frame here and a decode
 * on the server, about 4/3 of the JPEG size on the wire, and no reuse of decoded frames across
 * requests (stage 2 sends the frames again).
 *
 * <p>Errors: {@link ServerException} naming the URL, the HTTP status and the start of the answer
 * (connection refused, timeout, HTTP error, an answer without a completion). A failed request
 * fails alone; the server is not a process of this engine, so the engine never "dies"
 * ({@link #death()} stays empty).
 *
 * <p>JSON goes through Jackson ({@code jackson-databind}), an optional dependency of this
 * library: users of this engine add it to their build.
 *
 * <p>Thread-safe. {@link #close()} is idempotent, fails the requests still in flight with an
 * {@link EngineException} and stops the engine's threads.
 */
public final class OpenAiHttpEngine implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiHttpEngine.class);
    private static final int EXCERPT_CHARS = 300;
    private static final AtomicInteger ENGINES = new AtomicInteger();

    private final OpenAiEngineConfig config;
    private final Function<VideoPayload, VideoPayload.Frames> frames;
    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService executor;
    private final HttpClient client;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<CompletableFuture<Generation>> inFlight = ConcurrentHashMap.newKeySet();

    private OpenAiHttpEngine(OpenAiEngineConfig config, Function<VideoPayload, VideoPayload.Frames> frames) {
        this.config = Objects.requireNonNull(config, "config");
        this.frames = Objects.requireNonNull(frames, "frames");
        int id = ENGINES.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "qwenvl-http-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // HTTP/1.1: the default asks cleartext servers to upgrade to HTTP/2 (h2c), and vLLM's server
        // (uvicorn) then reads the request without its body.
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .executor(executor)
                .build();
    }

    /**
     * Connects to the server and checks that it serves {@code config.model()} ({@code GET /models}).
     *
     * @param frames turns a payload that is not {@link VideoPayload.Frames} into frames (see class notes)
     * @throws ServerException when the server cannot be reached or does not serve the model
     */
    public static OpenAiHttpEngine start(OpenAiEngineConfig config, Function<VideoPayload, VideoPayload.Frames> frames) {
        OpenAiHttpEngine engine = new OpenAiHttpEngine(config, frames);
        try {
            engine.checkModel();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        LOG.info("HTTP engine ready: {} serves {}", config.baseUrl(), config.model());
        return engine;
    }

    /** Starts with no frame reader: only {@link VideoPayload.Frames} can be sent. */
    public static OpenAiHttpEngine start(OpenAiEngineConfig config) {
        return start(config, OpenAiHttpEngine::javaFramesOnly);
    }

    /**
     * A factory for {@code QwenVL}: every {@code setup()} connects to the same server. The engine
     * arguments are not used (the server was started with its own).
     */
    public static LlmEngineFactory factory(OpenAiEngineConfig config, Function<VideoPayload, VideoPayload.Frames> frames) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(frames, "frames");
        return args -> {
            LOG.info("Engine arguments for {} are not used: the server at {} was started with its own",
                    args.model(), config.baseUrl());
            return start(config, frames);
        };
    }

    public OpenAiEngineConfig config() {
        return config;
    }

    private static VideoPayload.Frames javaFramesOnly(VideoPayload payload) {
        if (payload instanceof VideoPayload.Frames f) {
            return f;
        }
        throw new EngineException("the HTTP engine got a " + payload.getClass().getSimpleName()
                + " payload but was started without a frame reader; start it with one (PythonFramesReader for frames "
                + "decoded in the embedded Python)");
    }

    private void checkModel() {
        URI url = config.modelsUrl();
        HttpResponse<String> response;
        try {
            response = client.send(authorized(HttpRequest.newBuilder(url)).timeout(config.connectTimeout()).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw transportFailure("GET", url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while connecting to " + url, e);
        }
        if (response.statusCode() != 200) {
            throw httpFailure("GET", url, response);
        }
        List<String> served = new ArrayList<>();
        try {
            for (JsonNode m : json.readTree(response.body()).path("data")) {
                served.add(m.path("id").asText());
            }
        } catch (IOException e) {
            throw new ServerException("GET " + url + " answered no model list (is this an OpenAI-compatible server?): "
                    + excerpt(response.body()), url, response.statusCode(), excerpt(response.body()), e);
        }
        if (!served.contains(config.model())) {
            throw new ServerException("the server at " + config.baseUrl() + " does not serve model '" + config.model()
                    + "'; it serves " + served + ": pass one of these as the model name", url, 200,
                    excerpt(response.body()), null);
        }
    }

    /**
     * Sends one request; returns at once. The JPEG encoding runs on the engine's threads. The
     * {@link Generation} carries the server's {@code choices[0].finish_reason} and its
     * {@code usage} (prompt tokens, video included, and completion tokens); the server reports no
     * per-request times, so they are null.
     */
    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sampling, "sampling");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedError());
        }
        URI url = config.chatCompletionsUrl();
        CompletableFuture<Generation> result = new CompletableFuture<>();
        inFlight.add(result);
        result.whenComplete((text, error) -> inFlight.remove(result));
        CompletableFuture<HttpResponse<String>> sent;
        try {
            sent = CompletableFuture.supplyAsync(() -> body(request, sampling), executor)
                    .thenCompose(body -> client.sendAsync(authorized(HttpRequest.newBuilder(url))
                                    .timeout(config.requestTimeout())
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        } catch (java.util.concurrent.RejectedExecutionException e) { // closed meanwhile
            result.completeExceptionally(closedError());
            return result;
        }
        sent.whenComplete((response, error) -> {
            if (error != null) {
                result.completeExceptionally(failureOf(url, error));
                return;
            }
            try {
                result.complete(generation(url, response));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        if (closed.get()) { // closed between the check and the registration: close() may have missed it
            result.completeExceptionally(closedError());
        }
        return result;
    }

    private byte[] body(EngineRequest request, SamplingParams sampling) {
        VideoPayload.Frames pixels = frames.apply(request.video());
        try {
            return json.writeValueAsBytes(ChatCompletionBody.build(json, config.model(), request, pixels, sampling,
                    config.jpegQuality(), config.requestMediaKwargs()));
        } catch (IOException e) {
            throw new EngineException("writing the request body failed: " + e.getMessage(), e);
        }
    }

    private Generation generation(URI url, HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw httpFailure("POST", url, response);
        }
        try {
            JsonNode answer = json.readTree(response.body());
            JsonNode choice = answer.path("choices").path(0);
            JsonNode content = choice.path("message").path("content");
            if (!content.isTextual()) {
                throw new ServerException("POST " + url + " answered HTTP 200 without choices[0].message.content: "
                        + excerpt(response.body()), url, 200, excerpt(response.body()), null);
            }
            JsonNode finish = choice.path("finish_reason");
            JsonNode usage = answer.path("usage");
            return new Generation(content.asText(), finish.isTextual() ? finish.asText() : null,
                    count(usage.path("prompt_tokens")), count(usage.path("completion_tokens")), EngineTimings.NONE);
        } catch (IOException e) {
            throw new ServerException("POST " + url + " answered HTTP 200 with a body that is not JSON: "
                    + excerpt(response.body()), url, 200, excerpt(response.body()), e);
        }
    }

    private static Integer count(JsonNode n) {
        return n.isIntegralNumber() ? n.intValue() : null;
    }

    private RuntimeException failureOf(URI url, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (closed.get()) {
            return closedError();
        }
        if (cause instanceof IOException io) {
            return transportFailure("POST", url, io);
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new EngineException("POST " + url + " failed: " + cause, cause);
    }

    private ServerException transportFailure(String method, URI url, IOException e) {
        String what;
        if (e instanceof HttpConnectTimeoutException) {
            what = "could not connect within " + config.connectTimeout().toSeconds() + " s; is the server up and reachable?";
        } else if (e instanceof HttpTimeoutException) {
            what = "no answer within the request timeout of " + describe(config.requestTimeout())
                    + "; the server may be overloaded, or raise the timeout";
        } else if (e instanceof ConnectException) {
            what = "connection refused; is vllm serve running there (vllm serve <model> --port ...)?";
        } else {
            what = "failed: " + e;
        }
        return new ServerException(method + " " + url + " " + what, url, ServerException.NO_STATUS, "", e);
    }

    private static ServerException httpFailure(String method, URI url, HttpResponse<String> response) {
        String excerpt = excerpt(response.body());
        String fix = response.body() != null && response.body().contains("--trust-request-mm-kwargs")
                ? " (the engine sends each window's frame count, rate and pixel bounds: start vllm serve with "
                        + "--trust-request-mm-kwargs, or turn requestMediaKwargs off and give the server "
                        + "--media-io-kwargs '{\"video\": {\"num_frames\": -1, \"fps\": 2}}' with your sampling rate)"
                : "";
        return new ServerException(method + " " + url + " answered HTTP " + response.statusCode() + ": " + excerpt + fix,
                url, response.statusCode(), excerpt, null);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return config.apiKey() == null ? builder : builder.header("Authorization", "Bearer " + config.apiKey());
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        String oneLine = body.strip().replace('\n', ' ');
        return oneLine.length() <= EXCERPT_CHARS ? oneLine : oneLine.substring(0, EXCERPT_CHARS) + "...";
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private EngineException closedError() {
        return new EngineException("the HTTP engine for " + config.baseUrl() + " is closed; start a new one");
    }

    /** Fails the requests in flight, stops the engine's threads. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (CompletableFuture<Generation> f : List.copyOf(inFlight)) {
            f.completeExceptionally(closedError());
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("HTTP engine threads for {} did not stop within 5 s", config.baseUrl());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("HTTP engine for {} closed", config.baseUrl());
    }
}
