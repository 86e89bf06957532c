package dev.qwenvl.jep;

import java.nio.file.Path;

/**
 * Where the Python environment is: system property {@value #PROPERTY}, then environment variable
 * {@value #ENV}, then the project-local default {@code .venv/bin/python} (relative to the working
 * directory), which {@code bash python/setup-env.sh} creates.
 */
public final class PythonLocator {
    public static final String PROPERTY = "qwenvl.python";
    public static final String ENV = "QWENVL_PYTHON";
    public static final Path DEFAULT = Path.of(".venv", "bin", "python");

    static final String HOW_TO_FIX = "Create the environment with `bash python/setup-env.sh`, or point -D" + PROPERTY
            + "=... or " + ENV + " at the python of an environment that has jep " + JepVersion.ofJar() + " and numpy.";

    private PythonLocator() {}

    /** The python to use, by the order above. */
    public static Path locate() {
        String fromProperty = System.getProperty(PROPERTY);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return Path.of(fromProperty);
        }
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return DEFAULT.toAbsolutePath();
    }
}
