package dev.qwenvl.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code qwenvl --version}: the library version from the jar's Maven metadata. */
final class VersionProvider implements IVersionProvider {
    private static final String POM_PROPERTIES = "/META-INF/maven/dev.qwenvl/qwenvl-jep/pom.properties";

    @Override
    public String[] getVersion() {
        return new String[] {"qwenvl " + version() + " (qwenvl-jep: Qwen2.5-VL through vLLM in-process; Java "
                + System.getProperty("java.version") + ")"};
    }

    static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "development build";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "development build");
        } catch (IOException e) {
            return "development build";
        }
    }
}
