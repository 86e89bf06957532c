package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The end-to-end tier: the real vLLM (CPU build) and the tiny random Qwen2.5-VL that
 * {@code bash python/setup-e2e.sh} installs and generates. When the tier is not installed its
 * tests are skipped with the command that installs it, unless {@code -Dqwenvl.e2e=required} or
 * the environment variable {@code QWENVL_E2E=required} (which .ci/run sets), where they fail
 * instead.
 */
final class E2ETier {
    static final String INSTALL = "bash python/setup-e2e.sh";

    private E2ETier() {}

    /** Folder holding the tiny model as model dir / model id. */
    static Path modelDir() {
        return Path.of(System.getProperty("qwenvl.e2e.modelDir", ".models/tiny-random")).toAbsolutePath();
    }

    /** Skips (or fails, when required) unless vllm and the tiny model are installed. */
    static void assumeInstalled() {
        assumeInstalled("Qwen/Qwen2.5-VL-7B-Instruct");
    }

    /** As {@link #assumeInstalled()}, for the tiny model of {@code modelId} (the setup generates one per family). */
    static void assumeInstalled(String modelId) {
        String missing = null;
        if (!Files.isRegularFile(modelDir().resolve(modelId).resolve("config.json"))) {
            missing = "the tiny model " + modelId + " is missing under " + modelDir();
        } else if (!hasVllm()) {
            missing = "vllm is not installed in " + TestPython.python();
        }
        if (missing == null) {
            return;
        }
        String message = "end-to-end tier not installed (" + missing + "): run `" + INSTALL + "`";
        if ("required".equals(System.getProperty("qwenvl.e2e")) || "required".equals(System.getenv("QWENVL_E2E"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /**
     * Skips unless this JVM runs with the JDK's libjsig preloaded (failsafe's signal-chaining
     * execution): the one test of the library's behaviour under libjsig needs it.
     */
    static void assumeLibjsig() {
        String preload = System.getenv("LD_PRELOAD");
        Assumptions.assumeTrue(preload != null && preload.contains("libjsig"),
                "needs LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (failsafe's signal-chaining execution sets it)");
    }

    private static boolean hasVllm() {
        try {
            Process p = new ProcessBuilder(TestPython.python().toString(), "-c",
                    "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('vllm') else 1)")
                    .redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A runtime on the project environment with the e2e helpers (and no stand-ins) on the path.
     * The CPU KV cache is capped at 1 GiB: on CPU, vLLM reads gpu_memory_utilization as a share of
     * RAM, and the seed's 0.85 would reserve ~20 GiB here.
     */
    static PythonRuntime startRuntime() {
        return startRuntime(false);
    }

    /**
     * As {@link #startRuntime()}; {@code inProcessEngine} runs vLLM's engine core and worker in
     * this process ({@code VLLM_ENABLE_V1_MULTIPROCESSING=0}), so a test can hook the loaded model.
     */
    static PythonRuntime startRuntime(boolean inProcessEngine) {
        PythonRuntimeConfig.Builder builder = PythonRuntimeConfig.builder().python(TestPython.python())
                .addPath(TestPython.testSources().resolveSibling("python-e2e"))
                .addPath(TestPython.pythonTests())
                .environment("VLLM_CPU_KVCACHE_SPACE", "1");
        if (inProcessEngine) {
            builder.environment("VLLM_ENABLE_V1_MULTIPROCESSING", "0");
        }
        return PythonRuntime.start(builder.build());
    }

    /**
     * The seed's settings as far as a CPU allows: fp8 off (vLLM's CPU build has no FP8 kernels),
     * eager mode (skips a ~30 s torch.compile per engine start), short captions, a fixed seed; the
     * rest as {@code qwenvl caption} sets it (so a Spark job and a test config are one config).
     */
    static QwenVlConfig.Builder config() {
        return QwenVlConfig.builder().modelDir(modelDir()).modelVariant("qwen").fp8(false)
                .maxOutputTokens(16).extraEngineArg("enforce_eager", true).samplingSeed(0);
    }

    static Path weights() {
        return modelDir().resolve("Qwen/Qwen2.5-VL-7B-Instruct");
    }
}
