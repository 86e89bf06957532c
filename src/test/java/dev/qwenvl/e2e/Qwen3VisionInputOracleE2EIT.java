package dev.qwenvl.e2e;

import dev.qwenvl.model.ModelFamily;
import dev.qwenvl.jep.PythonRuntime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link VisionInputOracle} for Qwen3-VL on the tiny random Qwen3-VL (python/tools/make_tiny_qwen3_vl.py); one engine per test. */
class Qwen3VisionInputOracleE2EIT extends VisionInputOracle {
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime(true, "Qwen/Qwen3-VL-8B-Instruct");

    @TempDir
    static Path dir;

    private static List<Path> clips;

    @BeforeAll
    static void writeClips() {
        clips = new Qwen3VisionInputOracleE2EIT().writeClips(dir);
    }

    @Override
    ModelFamily family() {
        return ModelFamily.of("qwen3");
    }

    @Override
    PythonRuntime runtime() {
        return PYTHON.get();
    }

    @Test
    void visionTowerSeesTheReferencePixelsWhenOurPipelineResizes() {
        runOracle(clips, false);
    }

    @Test
    void visionTowerSeesTheReferencePixelsWhenTheModelPreprocesses() {
        runOracle(clips, true);
    }
}
