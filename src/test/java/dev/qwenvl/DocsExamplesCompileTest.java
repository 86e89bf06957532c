package dev.qwenvl;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles the Java examples of the pages under {@code docs/} as they stand (not run: they need
 * weights, a server or a cluster), each with the imports and the few variables it takes as given.
 */
class DocsExamplesCompileTest {

    private static final String LIBRARY_IMPORTS = "import dev.qwenvl.caption.*;\nimport dev.qwenvl.engine.*;\n"
            + "import dev.qwenvl.model.*;\nimport dev.qwenvl.video.*;\nimport java.nio.file.Path;\n"
            + "import java.util.List;\n";

    @Test
    void theStreamingExampleOfTheJavaPageCompiles(@TempDir Path dir) throws IOException {
        DocExamples.assertCompiles(dir, "docs/java.md's streaming example", LIBRARY_IMPORTS,
                "    static void write(VideoCaptions video) {}\n",
                "        VideoCaptioner captioner = null;\n        List<VideoSource> sources = List.of();\n",
                DocExamples.javaBlock("docs/java.md", "## Captioning videos"));
    }

    @Test
    void theHttpEngineExampleCompiles(@TempDir Path dir) throws IOException {
        DocExamples.assertCompiles(dir, "docs/http-engine.md's example", LIBRARY_IMPORTS
                        + "import dev.qwenvl.http.*;\nimport dev.qwenvl.jep.*;\nimport java.net.URI;\n"
                        + "import java.time.Duration;\n",
                "", "        QwenVlConfig config = null;\n",
                DocExamples.javaBlock("docs/http-engine.md", "## From Java"));
    }

    @Test
    void theSparkExampleCompiles(@TempDir Path dir) throws IOException {
        DocExamples.assertCompiles(dir, "docs/spark.md's example", LIBRARY_IMPORTS
                        + "import dev.qwenvl.spark.*;\nimport org.apache.spark.sql.*;\n",
                "", "", DocExamples.javaBlock("docs/spark.md", "## From Java"));
    }
}
