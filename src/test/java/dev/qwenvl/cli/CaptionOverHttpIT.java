package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.http.StandInOpenAiServer;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwenvl caption --engine-url}: the command in a child JVM decodes the videos in its
 * embedded Python, reads the frames back into Java and captions them through a stand-in of
 * vLLM's OpenAI server running in this JVM (no vLLM, no weights).
 */
class CaptionOverHttpIT {
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for spec in sys.argv[2:]:",
            "    path, frames, fps = spec.split('|')",
            "    videos.write_video(path, ext='mp4', frames=int(frames), fps=int(fps), width=64, height=48)");

    @TempDir
    static Path shared;

    private static Path folder;
    private static StandInOpenAiServer server;

    @BeforeAll
    static void setUp() throws Exception {
        folder = Files.createDirectories(shared.resolve("videos"));
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString(), folder.resolve("a.mp4") + "|20|10", folder.resolve("b.mp4") + "|30|10"));
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), "writing test videos");
        server = StandInOpenAiServer.start(ModelVariant.QWEN.modelId());
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    private record Run(int exitCode, String err) {}

    private static Run run(Path work, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), QwenVlCli.class.getName()));
        cmd.addAll(List.of("caption", folder.toString(), "-o", work.resolve("captions.jsonl").toString(),
                "--model-dir", work.resolve("no-weights-here").toString(),
                "--python", TestPython.python().toString(), "--python-path", TestPython.testSources().toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectOutput(work.resolve("stdout.txt").toFile()).redirectError(work.resolve("stderr.txt").toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("qwenvl caption did not finish within 180 s");
        }
        return new Run(p.exitValue(), Files.readString(work.resolve("stderr.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void videosDecodedHereAreCaptionedByTheServerAtTheEngineUrl(@TempDir Path work) throws Exception {
        Run run = run(work, "--engine-url", server.baseUrl().toString(), "--prompt", "Count the cars.");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        List<CaptionLine> lines = Files.readAllLines(work.resolve("captions.jsonl"), StandardCharsets.UTF_8).stream()
                .map(CaptionLine::parse).toList();
        assertEquals(2, lines.size(), "one window per video");
        for (CaptionLine line : lines) {
            assertTrue(line.caption().startsWith("stand-in: Count the cars. | "), line.caption());
            assertEquals(ModelVariant.QWEN.modelId(), line.model());
        }
        List<StandInOpenAiServer.Received> received = server.received();
        assertEquals(2, received.size());
        for (StandInOpenAiServer.Received r : received) {
            assertEquals(QwenPromptFormatter.SYSTEM_MESSAGE, r.systemMessage(), "Qwen2.5-VL's system turn");
            assertEquals("Count the cars.", r.instruction());
            assertTrue(r.frames().size() >= 4, r.frames().size() + " frames");
            assertEquals(r.frames().size(), r.body().at("/media_io_kwargs/video/num_frames").asInt());
            assertEquals(2.0, r.body().at("/media_io_kwargs/video/fps").asDouble(), 0.5, "the window's sampled rate");
            assertEquals(0, r.width() % 28, "frames resized for the model: " + r.width() + "x" + r.height());
            assertEquals(0, r.height() % 28, "frames resized for the model: " + r.width() + "x" + r.height());
        }
    }

    @Test
    void anUnreachableEngineUrlStopsTheRunWithExitTwoNamingTheUrl(@TempDir Path work) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        Run run = run(work, "--engine-url", url);
        assertEquals(ExitCodes.CANNOT_START, run.exitCode(), run.err());
        assertTrue(run.err().contains(url + "/models") && run.err().contains("connection refused"), run.err());
    }

    @Test
    void engineArgumentsAreRefusedWithAnEngineUrl(@TempDir Path work) throws Exception {
        Run run = run(work, "--engine-url", server.baseUrl().toString(), "--engine-arg", "tensor_parallel_size=2");
        assertEquals(ExitCodes.CANNOT_START, run.exitCode(), run.err());
        assertTrue(run.err().contains("--engine-arg configures the embedded vLLM"), run.err());
    }

    @Test
    void devicesAreRefusedWithAnEngineUrl(@TempDir Path work) throws Exception {
        Run run = run(work, "--engine-url", server.baseUrl().toString(), "--devices", "0,1");
        assertEquals(ExitCodes.CANNOT_START, run.exitCode(), run.err());
        assertTrue(run.err().contains("--devices starts embedded engines"), run.err());
    }
}
