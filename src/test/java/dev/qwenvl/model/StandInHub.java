package dev.qwenvl.model;

import dev.qwenvl.jep.TestPython;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in hub (python/tests/hub_server.py) in a child Python process on 127.0.0.1, serving
 * one model at one revision. Close to stop it.
 */
public final class StandInHub implements AutoCloseable {
    private final Process process;
    private final String endpoint;

    private StandInHub(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts a hub serving {@code modelId} at {@code revision}. */
    public static StandInHub start(String modelId, String revision) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(TestPython.python().toString(),
                TestPython.testSources().resolve("qwenvl_testing/serve_hub.py").toString(),
                TestPython.pythonTests().toString(), modelId, revision);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("http://127.0.0.1:")) {
            p.destroyForcibly();
            throw new IOException("the stand-in hub did not start (first line: " + line + ")");
        }
        return new StandInHub(p, line.trim());
    }

    /** Base URL, for HF_ENDPOINT or the endpoint argument. */
    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
