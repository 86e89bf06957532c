package dev.qwenvl.http;

import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The engine contract against the HTTP engine and a local stand-in of vLLM's OpenAI server. */
class OpenAiHttpEngineContractTest extends LlmEngineContract {
    private static StandInOpenAiServer server;

    @BeforeAll
    static void start() {
        server = StandInOpenAiServer.start("Qwen/Qwen2.5-VL-7B-Instruct");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected LlmEngine startEngine() {
        return OpenAiHttpEngine.start(OpenAiEngineConfig.builder(server.baseUrl(), "Qwen/Qwen2.5-VL-7B-Instruct").build());
    }
}
