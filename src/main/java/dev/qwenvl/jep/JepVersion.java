package dev.qwenvl.jep;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of the jep jar on the classpath, which the native library must equal. */
final class JepVersion {
    private static final String POM_PROPERTIES = "/META-INF/maven/black.ninia/jep/pom.properties";

    private JepVersion() {}

    /** The jar's version, from its Maven metadata; "unknown" when the jar carries none. */
    static String ofJar() {
        try (InputStream in = jep.Jep.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Refuses an environment whose native jep differs from the jar's. */
    static void requireMatching(PythonEnvironment env) {
        String jar = ofJar();
        if (!"unknown".equals(jar) && !jar.equals(env.jepVersion())) {
            throw new PythonEnvironmentException("jep " + env.jepVersion() + " is installed in " + env.executable()
                    + " but the jar on the classpath is jep " + jar + "; they must match: " + env.executable()
                    + " -m pip install --force-reinstall --no-build-isolation jep==" + jar);
        }
    }
}
