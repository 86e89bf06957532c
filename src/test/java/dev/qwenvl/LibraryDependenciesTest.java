package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a library user's build pulls in transitively: only JEP and the SLF4J API. The CLI's
 * picocli, logback and Jackson are optional, Spark is provided, test libraries are test-scoped;
 * a new dependency must say which it is, or this test names it.
 */
class LibraryDependenciesTest {

    @Test
    void libraryUsersGetOnlyJepAndSlf4jApi() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        Element project = pom.getDocumentElement();
        Element dependencies = (Element) project.getElementsByTagName("dependencies").item(0);
        NodeList deps = dependencies.getElementsByTagName("dependency");
        List<String> transitive = new ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (d.getParentNode() != dependencies) {
                continue;
            }
            String scope = text(d, "scope", "compile");
            boolean optional = Boolean.parseBoolean(text(d, "optional", "false"));
            if (!optional && (scope.equals("compile") || scope.equals("runtime"))) {
                transitive.add(text(d, "groupId", "?") + ":" + text(d, "artifactId", "?"));
            }
        }
        assertEquals(List.of("black.ninia:jep", "org.slf4j:slf4j-api"), transitive,
                "dependencies a library user would inherit; mark CLI-only ones <optional>true</optional>");
    }

    /**
     * The optional dependencies stay optional at run time too: only the front ends that bundle them
     * (the CLI; Spark, whose installation ships Jackson) import picocli, logback or Jackson.
     */
    @Test
    void onlyTheFrontEndsImportTheOptionalDependencies() throws IOException {
        Path main = Path.of("src/main/java/dev/qwenvl");
        Pattern optional = Pattern.compile("^import (static )?(com\\.fasterxml|com\\.networknt|picocli|ch\\.qos\\.logback)\\.", Pattern.MULTILINE);
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = main.relativize(f).toString();
                String code = Files.readString(f);
                if (rel.startsWith("http/") || rel.startsWith("review/")) {
                    // The HTTP engine and the review page are optional parts whose Java users add jackson-databind
                    // (docs/http-engine.md, docs/review.md); they may not pull in the CLI's libraries.
                    code = code.replaceAll("(?m)^import com\\.fasterxml\\..*$", "");
                }
                if (rel.equals("caption/CaptionSchema.java")) {
                    // Structured captions are an optional part too: their Java users add json-schema-validator
                    // (which brings jackson-databind; docs/structured-captions.md). Only this class touches either,
                    // so free-text captioning loads neither.
                    code = code.replaceAll("(?m)^import (com\\.fasterxml|com\\.networknt)\\..*$", "");
                }
                if (!rel.startsWith("cli/") && !rel.startsWith("spark/") && optional.matcher(code).find()) {
                    offenders.add(rel);
                }
            }
        }
        assertEquals(List.of(), offenders, "library classes that would need an optional dependency at run time");
    }

    private static String text(Element e, String tag, String otherwise) {
        NodeList n = e.getElementsByTagName(tag);
        return n.getLength() == 0 ? otherwise : n.item(0).getTextContent().trim();
    }
}
