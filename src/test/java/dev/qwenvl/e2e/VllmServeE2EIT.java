package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.engine.PixelBounds;
import dev.qwenvl.http.OpenAiEngineConfig;
import dev.qwenvl.http.OpenAiHttpEngine;
import dev.qwenvl.http.ServerException;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP engine against the real {@code vllm serve} (vLLM's OpenAI-compatible server, CPU build)
 * with the tiny random Qwen2.5-VL: the server accepts the JPEG frame sequence, the rate and the
 * pixel bounds as the engine sends them, and the engine contract holds. Starts its own server
 * (about two minutes on a small CPU; {@code --trust-request-mm-kwargs}, as docs/http-engine.md asks), or
 * uses {@code -Dqwenvl.e2e.serveUrl=http://host:port/v1}.
 */
class VllmServeE2EIT extends LlmEngineContract {
    private static final String MODEL = "Qwen/Qwen2.5-VL-7B-Instruct";
    private static Process server;
    private static Path log;
    private static URI baseUrl;

    @BeforeAll
    static void startServer() throws Exception {
        E2ETier.assumeInstalled(MODEL);
        String given = System.getProperty("qwenvl.e2e.serveUrl");
        if (given != null && !given.isBlank()) {
            baseUrl = URI.create(given);
            return;
        }
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        log = Files.createTempFile("vllm-serve", ".log");
        ProcessBuilder pb = new ProcessBuilder(TestPython.python().toString(), "-m", "vllm.entrypoints.openai.api_server",
                "--model", E2ETier.modelDir().resolve(MODEL).toString(), "--served-model-name", MODEL,
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--enforce-eager",
                "--max-model-len", "8192", "--limit-mm-per-prompt", "{\"image\":0,\"video\":1}",
                "--trust-request-mm-kwargs",
                // compact structured outputs, as the embedded engine gets them (docs/structured-captions.md)
                "--structured-outputs-config", "{\"backend\": \"xgrammar\", \"disable_any_whitespace\": true}")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("VLLM_CPU_KVCACHE_SPACE", "1");
        server = pb.start();
        baseUrl = URI.create("http://127.0.0.1:" + port + "/v1");
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(420);
        while (true) {
            if (!server.isAlive()) {
                fail("vllm serve exited with " + server.exitValue() + " before it served; its log ends: " + tail());
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/models"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) {
                fail("vllm serve did not answer within 420 s; its log ends: " + tail());
            }
            Thread.sleep(1000);
        }
    }

    private static String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server == null) {
            return;
        }
        List<ProcessHandle> children = server.descendants().toList();
        server.destroy(); // SIGTERM: the server shuts its engine core down
        if (!server.waitFor(60, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            try {
                child.onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                fail("server process " + child.pid() + " is still alive 30 s after SIGKILL");
            }
        }
    }

    @Override
    protected LlmEngine startEngine() {
        return OpenAiHttpEngine.start(OpenAiEngineConfig.builder(baseUrl, MODEL).requestTimeout(Duration.ofMinutes(3)).build());
    }

    @Test
    void theServerTakesTheFramesRateAndPixelBoundsAsTheEngineSendsThem() {
        EngineRequest request = EngineRequest.instruction("Describe the video.", "You are a helpful assistant.", video(5))
                .withFps(2.0).withPixelBounds(new PixelBounds(3136, 12544, false));
        try (LlmEngine engine = startEngine()) {
            List<String> texts = engine.generate(List.of(request, request.withFps(1.0)), sampling());
            assertEquals(2, texts.size());
            texts.forEach(t -> assertFalse(t == null));
        }
    }

    @Test
    void withoutPerRequestMediaKwargsTheServerCaptionsWithItsOwnSettings() {
        try (LlmEngine engine = OpenAiHttpEngine.start(OpenAiEngineConfig.builder(baseUrl, MODEL)
                .requestMediaKwargs(false).requestTimeout(Duration.ofMinutes(3)).build())) {
            List<String> texts = engine.generate(List.of(EngineRequest.instruction("Describe.", null, video(2)).withFps(2.0)),
                    sampling());
            assertEquals(1, texts.size());
        }
    }

    @Test
    void aRequestOverTheServersContextIsAnHttpErrorNamingTheServersReason() {
        EngineRequest huge = EngineRequest.instruction(" word".repeat(9000), null, video(1));
        try (LlmEngine engine = startEngine()) {
            ServerException e = assertThrows(ServerException.class, () -> engine.generate(List.of(huge), sampling()));
            assertEquals(400, e.status(), e.getMessage());
            assertTrue(e.getMessage().contains(baseUrl + "/chat/completions"), e.getMessage());
            assertTrue(e.bodyExcerpt().contains("context length"), e.getMessage());
        }
    }

    @Test
    void everyCaptionConstrainedByAShippedSchemaParsesAndValidates() {
        try (LlmEngine engine = startEngine()) {
            for (String file : List.of("scene", "events")) {
                CaptionSchema schema = CaptionSchema.read(Path.of("docs/schemas/" + file + ".schema.json"));
                List<EngineRequest> requests = new java.util.ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    requests.add(EngineRequest.instruction(PromptVariant.fromKey(file + "-json").instruction(), null,
                            video(i)).withFps(2.0));
                }
                // no per-request seed: vLLM 0.32's CPU worker fails a seeded request whose prefill is split
                // across steps ("CPU Generator does not use offset"), which 20 requests at once cause
                List<String> texts = engine.generate(requests, new SamplingParams(0.1, 0.001, 1.05, 1024, List.of(), null)
                        .withJsonSchema(schema.output()));
                assertEquals(20, texts.size());
                for (String text : texts) {
                    schema.check(text); // throws, naming the problem, unless it parses and validates
                }
            }
        }
    }
}
