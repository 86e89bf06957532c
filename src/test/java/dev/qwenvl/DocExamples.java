package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The Java examples of the README and of the pages under {@code docs/}, read from the Markdown
 * and compiled against the library (and the test classpath, which has Spark), so that an example
 * that no longer matches the API fails a test instead of a reader.
 */
public final class DocExamples {

    private DocExamples() {}

    /**
     * The first {@code ```java} block after the line {@code heading} (e.g. {@code "## From Java"})
     * of the Markdown file {@code markdown}, relative to the project root.
     */
    public static String javaBlock(String markdown, String heading) throws IOException {
        String text = Files.readString(Path.of(markdown));
        int section = text.indexOf("\n" + heading + "\n");
        assertTrue(section >= 0, markdown + " has a \"" + heading + "\" section");
        int start = text.indexOf("```java\n", section);
        assertTrue(start >= 0, "the section \"" + heading + "\" of " + markdown + " has a java block");
        start += "```java\n".length();
        return text.substring(start, text.indexOf("```", start));
    }

    /**
     * Compiles {@code body} as the body of a static method, after {@code imports} (whole import
     * lines), in a class with {@code members}, after {@code preamble} (local declarations the
     * example takes as given), and fails with the compiler's diagnostics when it does not compile.
     */
    public static void assertCompiles(Path dir, String what, String imports, String members, String preamble,
                                      String body) throws IOException {
        String source = "package docexample;\n" + imports + "class Example {\n" + members
                + "    static void run() {\n" + preamble + body + "    }\n}\n";
        Path file = Files.createDirectories(dir.resolve("src/docexample")).resolve("Example.java");
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
            assertTrue(ok, what + " does not compile:\n" + source + "\n" + diagnostics.getDiagnostics() + out);
        }
    }
}
