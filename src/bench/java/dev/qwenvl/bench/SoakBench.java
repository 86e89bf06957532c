package dev.qwenvl.bench;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.PythonRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * P5: many generate calls through QwenVL and JEP against the stand-in vllm; does the process grow?
 *
 * <p>Each call captions 2 small inputs (4 x 28 x 28 x 3 uint8 frames in direct buffers made once,
 * so the figure is about the library and the bridge, not about how often the JVM frees direct
 * buffers). After a warm-up, VmRSS and Threads are read from /proc/self/status, the calls run, and
 * they are read again (RSS also half-way, to tell a one-off step from steady growth). The JVM runs with a fixed, pre-touched heap (-Xms = -Xmx,
 * -XX:+AlwaysPreTouch, set by {@link BenchSuite}), so heap growth does not show up as RSS growth;
 * a System.gc() precedes both readings. The stand-in vllm records every call it gets (that is its
 * job in tests): its records are cleared every 500 calls, as they are no part of the library.
 *
 * <p>Run in its own JVM; prints {@code key=value} lines.
 */
public final class SoakBench {
    private SoakBench() {}

    public static void main(String[] args) throws Exception {
        int calls = Integer.parseInt(args[0]);
        int warmup = Integer.parseInt(args[1]);
        try (PythonRuntime runtime = BenchEnv.startRuntime()) {
            QwenVL model = new QwenVL(BridgeWorkload.config(), JepLlmEngine.factory(runtime));
            model.setup();
            List<EngineRequest> inputs = BridgeWorkload.requests(2);
            for (int i = 0; i < warmup; i++) {
                model.generate(inputs);
                if (i % 500 == 499) {
                    runtime.call("vllm", "reset");
                }
            }
            runtime.call("vllm", "reset");
            settle();
            long rssStart = status("VmRSS");
            long threadsStart = status("Threads");
            int javaThreadsStart = Thread.activeCount();
            long pyObjectsStart = pythonObjects(runtime);
            long start = System.nanoTime();
            long rssMid = 0;
            for (int i = 0; i < calls; i++) {
                if (i == calls / 2) {
                    runtime.call("vllm", "reset");
                    settle();
                    rssMid = status("VmRSS");
                }
                List<String> captions = model.generate(inputs);
                if (captions.size() != inputs.size()) {
                    throw new IllegalStateException("call " + i + " returned " + captions.size() + " captions");
                }
                if (i % 500 == 499) {
                    runtime.call("vllm", "reset");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            runtime.call("vllm", "reset");
            settle();
            long rssEnd = status("VmRSS");
            long threadsEnd = status("Threads");
            int javaThreadsEnd = Thread.activeCount();
            long pyObjectsEnd = pythonObjects(runtime);
            model.close();
            System.out.println("calls=" + calls);
            System.out.println("seconds=" + String.format(java.util.Locale.ROOT, "%.2f", seconds));
            System.out.println("rss_start_kb=" + rssStart);
            System.out.println("rss_mid_kb=" + rssMid);
            System.out.println("rss_end_kb=" + rssEnd);
            System.out.println("threads_start=" + threadsStart);
            System.out.println("threads_end=" + threadsEnd);
            System.out.println("java_threads_start=" + javaThreadsStart);
            System.out.println("java_threads_end=" + javaThreadsEnd);
            System.out.println("python_objects_start=" + pyObjectsStart);
            System.out.println("python_objects_end=" + pyObjectsEnd);
        }
    }

    private static long pythonObjects(PythonRuntime runtime) {
        return ((Number) runtime.call("qwenvl_bench_helpers", "live_objects")).longValue();
    }

    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        Thread.sleep(200);
    }

    /** A number field of /proc/self/status (VmRSS in kB, Threads). */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
