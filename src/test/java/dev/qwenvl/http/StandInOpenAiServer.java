package dev.qwenvl.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A local stand-in for {@code vllm serve}'s OpenAI API (test code): {@code GET /v1/models} lists one
 * model; {@code POST /v1/chat/completions} parses the body as vLLM does, decodes every JPEG frame
 * of the {@code video_url} data URL, checks that they all have one size, records what it got and
 * answers a caption computed from the instruction and the frames. Like vLLM's server (uvicorn), it
 * answers 400 to a request that asks to upgrade to HTTP/2. It can answer an HTTP error or wait
 * before answering.
 */
public final class StandInOpenAiServer implements AutoCloseable {

    /** What one chat-completions request carried. */
    public record Received(JsonNode body, String model, String systemMessage, String instruction, List<BufferedImage> frames) {
        public int width() {
            return frames.get(0).getWidth();
        }

        public int height() {
            return frames.get(0).getHeight();
        }

        /** Mean of channel {@code c} (0 red, 1 green, 2 blue) over frame {@code i}. */
        public double mean(int i, int c) {
            BufferedImage f = frames.get(i);
            long sum = 0;
            for (int y = 0; y < f.getHeight(); y++) {
                for (int x = 0; x < f.getWidth(); x++) {
                    sum += (f.getRGB(x, y) >> (16 - 8 * c)) & 0xff;
                }
            }
            return sum / (double) (f.getWidth() * f.getHeight());
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stand-in-openai");
        t.setDaemon(true);
        return t;
    });
    private final String model;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private volatile int failStatus;
    private volatile String failBody = "";
    private volatile Duration delay = Duration.ZERO;
    private volatile JsonNode lastBody;
    private volatile boolean usage = true;

    private StandInOpenAiServer(String model) throws IOException {
        this.model = model;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(executor);
        server.createContext("/v1/models", this::models);
        server.createContext("/v1/chat/completions", this::chat);
        server.start();
    }

    public static StandInOpenAiServer start(String model) {
        try {
            return new StandInOpenAiServer(model);
        } catch (IOException e) {
            throw new IllegalStateException("the stand-in server could not start", e);
        }
    }

    /** {@code http://127.0.0.1:<port>/v1}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** The body of the last chat request, whether it was accepted or not. */
    public JsonNode lastBody() {
        return lastBody;
    }

    /** The most chat requests it was answering at one time. */
    public int maxConcurrent() {
        return maxRunning.get();
    }

    /** Answers every chat request with {@code status} and {@code body} from now on (0: answer normally). */
    public void failWith(int status, String body) {
        this.failStatus = status;
        this.failBody = body;
    }

    /** Waits this long before answering each chat request. */
    /** Whether answers carry {@code usage} (servers that leave it out exist). */
    public void usage(boolean on) {
        usage = on;
    }

    public void delay(Duration d) {
        this.delay = d;
    }

    /** The caption the stand-in answers for an instruction over frames of this count and size. */
    public static String caption(String instruction, int frames, int width, int height, long pixelSum) {
        return "stand-in: " + instruction + " | " + frames + " frames " + width + "x" + height + " | " + pixelSum;
    }

    private void models(HttpExchange exchange) throws IOException {
        ObjectNode answer = json.createObjectNode().put("object", "list");
        answer.putArray("data").addObject().put("id", model).put("object", "model");
        send(exchange, 200, json.writeValueAsString(answer));
    }

    private void chat(HttpExchange exchange) throws IOException {
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        try {
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis());
            }
            if (exchange.getRequestHeaders().containsKey("Upgrade")) { // uvicorn then reads no body (vLLM's server)
                send(exchange, 400, "{\"error\":{\"message\":\"body: Field required (the request asked to upgrade to "
                        + exchange.getRequestHeaders().getFirst("Upgrade") + ")\"}}");
                return;
            }
            JsonNode body = json.readTree(exchange.getRequestBody());
            lastBody = body;
            if (failStatus != 0) {
                send(exchange, failStatus, failBody);
                return;
            }
            Received r = parse(body);
            received.add(r);
            long pixelSum = 0;
            for (BufferedImage f : r.frames()) {
                for (int y = 0; y < f.getHeight(); y += 7) {
                    for (int x = 0; x < f.getWidth(); x += 7) {
                        pixelSum += f.getRGB(x, y) & 0xffffff;
                    }
                }
            }
            // one "token" per word of the caption; cut at max_tokens words with finish_reason "length"
            String[] words = caption(r.instruction(), r.frames().size(), r.width(), r.height(), pixelSum).split(" ");
            int limit = body.path("max_tokens").asInt(Integer.MAX_VALUE);
            int kept = Math.min(words.length, limit);
            ObjectNode answer = json.createObjectNode().put("object", "chat.completion").put("model", r.model());
            answer.putArray("choices").addObject().put("index", 0).put("finish_reason", kept < words.length ? "length" : "stop")
                    .putObject("message").put("role", "assistant")
                    .put("content", String.join(" ", java.util.Arrays.copyOf(words, kept)));
            if (usage) { // one "prompt token" per frame and per instruction character
                answer.putObject("usage").put("prompt_tokens", r.frames().size() + r.instruction().length())
                        .put("completion_tokens", kept).put("total_tokens", r.frames().size() + r.instruction().length() + kept);
            }
            send(exchange, 200, json.writeValueAsString(answer));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, "{\"object\":\"error\",\"message\":\"" + e.getMessage().replace("\"", "'") + "\"}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.decrementAndGet();
            exchange.close();
        }
    }

    private Received parse(JsonNode body) throws IOException {
        String asked = body.path("model").asText();
        if (!asked.equals(model)) {
            throw new IllegalArgumentException("The model `" + asked + "` does not exist.");
        }
        String system = null;
        String instruction = null;
        String url = null;
        for (JsonNode m : body.path("messages")) {
            if (m.path("role").asText().equals("system")) {
                system = m.path("content").asText();
            } else if (m.path("role").asText().equals("user")) {
                for (JsonNode part : m.path("content")) {
                    switch (part.path("type").asText()) {
                        case "text" -> instruction = part.path("text").asText();
                        case "video_url" -> url = part.path("video_url").path("url").asText();
                        default -> throw new IllegalArgumentException("unknown content part " + part);
                    }
                }
            }
        }
        if (instruction == null || url == null) {
            throw new IllegalArgumentException("the user turn needs a text and a video_url");
        }
        if (!url.startsWith("data:video/jpeg;base64,")) {
            throw new IllegalArgumentException("not a JPEG frame sequence: " + url.substring(0, Math.min(40, url.length())));
        }
        List<BufferedImage> frames = new ArrayList<>();
        for (String part : url.substring("data:video/jpeg;base64,".length()).split(",")) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(part)));
            if (image == null) {
                throw new IllegalArgumentException("frame " + frames.size() + " is not a JPEG");
            }
            if (!frames.isEmpty() && (image.getWidth() != frames.get(0).getWidth() || image.getHeight() != frames.get(0).getHeight())) {
                throw new IllegalArgumentException("frame " + frames.size() + " differs in size from frame 0");
            }
            frames.add(image);
        }
        int numFrames = body.path("media_io_kwargs").path("video").path("num_frames").asInt(32);
        if (frames.size() > numFrames) { // vLLM keeps only the first num_frames (32 unless the request says)
            throw new IllegalArgumentException("media_io_kwargs.video.num_frames is " + numFrames + " but " + frames.size()
                    + " frames were sent: vLLM would drop " + (frames.size() - numFrames));
        }
        return new Received(body, asked, system, instruction, frames);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
