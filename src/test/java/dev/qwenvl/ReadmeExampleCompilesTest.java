package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.model.QwenVlConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles the README's "From Java" example as it stands in README.md (not run here: it needs
 * weights), and checks that it names no JEP class.
 */
class ReadmeExampleCompilesTest {

    /** The first {@code ```java} block after the "## From Java" heading. */
    static String example() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("\n## From Java\n");
        assertTrue(section >= 0, "README.md has a \"## From Java\" section");
        int start = readme.indexOf("```java\n", section);
        assertTrue(start >= 0, "the section has a java block");
        start += "```java\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void theReadmeExampleCompilesAgainstTheLibrary(@TempDir Path dir) throws IOException {
        String source = "package readme;\n"
                + "import dev.qwenvl.caption.*;\nimport dev.qwenvl.model.*;\nimport dev.qwenvl.video.*;\n"
                + "import java.nio.file.Path;\nimport java.util.List;\n"
                + "class Example {\n    static void run() {\n" + example() + "    }\n}\n";
        Path file = Files.createDirectories(dir.resolve("src/readme")).resolve("Example.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK (not a JRE) runs the tests");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            StringWriter out = new StringWriter();
            boolean ok = javac.getTask(out, files, diagnostics,
                    List.of("-classpath", System.getProperty("java.class.path"), "-d", dir.resolve("classes").toString(),
                            "-proc:none"),
                    null, files.getJavaFileObjects(file)).call();
            assertTrue(ok, "the README example does not compile:\n" + source + "\n" + diagnostics.getDiagnostics() + out);
        }
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
