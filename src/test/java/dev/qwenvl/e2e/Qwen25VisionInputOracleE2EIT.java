package dev.qwenvl.e2e;

import dev.qwenvl.model.ModelFamily;
import dev.qwenvl.jep.PythonRuntime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link VisionInputOracle} for Qwen2.5-VL on the tiny random model; one engine per test. */
class Qwen25VisionInputOracleE2EIT extends VisionInputOracle {
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime(true, "Qwen/Qwen2.5-VL-7B-Instruct");

    @TempDir
    static Path dir;

    private static List<Path> clips;

    @BeforeAll
    static void writeClips() {
        clips = new Qwen25VisionInputOracleE2EIT().writeClips(dir);
    }

    @Override
    ModelFamily family() {
        return ModelFamily.of("qwen2.5");
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
