package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.qwenvl.model.QwenVlConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles the README's "From Java" example as it stands in README.md (not run here: it needs
 * weights), and checks that it names no JEP class.
 */
class ReadmeExampleCompilesTest {

    /** The first {@code ```java} block after the "## From Java" heading. */
    static String example() throws IOException {
        return DocExamples.javaBlock("README.md", "## From Java");
    }

    @Test
    void theReadmeExampleCompilesAgainstTheLibrary(@TempDir Path dir) throws IOException {
        DocExamples.assertCompiles(dir, "the README example",
                "import dev.qwenvl.caption.*;\nimport dev.qwenvl.model.*;\nimport dev.qwenvl.video.*;\n"
                        + "import java.nio.file.Path;\nimport java.util.List;\n",
                "", "", example());
    }

    @Test
    void theExampleNamesNoPythonOrJepClass() throws IOException {
        String example = example();
        assertFalse(example.contains("Jep") || example.contains("PythonRuntime") || example.contains("dev.qwenvl.jep"),
                example);
    }

    @Test
    void theExampleConfigurationCarriesTheSeedDefaults() {
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("models")).modelVariant("qwen").captionBatchSize(8).build();
        assertEquals(Path.of("models/Qwen/Qwen2.5-VL-7B-Instruct"), config.weightsPath());
        assertEquals(512, config.maxOutputTokens());
        assertEquals(true, config.fp8());
    }
}
