package dev.qwenvl.jep;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start the embedded interpreter.
 *
 * @param python      the environment's python executable (see {@link PythonLocator})
 * @param extraPaths  folders put on {@code sys.path} before the environment's site-packages
 *                    (tests use this to shadow a package with a stand-in)
 * @param environment variables set in Python's {@code os.environ} before anything is imported
 */
public record PythonRuntimeConfig(Path python, List<Path> extraPaths, Map<String, String> environment) {

    public PythonRuntimeConfig {
        Objects.requireNonNull(python, "python");
        extraPaths = List.copyOf(extraPaths);
        environment = Map.copyOf(environment);
    }

    /**
     * System property with extra {@code sys.path} folders for {@link #defaults()}, separated by
     * {@link File#pathSeparator}. Meant for tests and tools that shadow a package with a stand-in
     * (the CLI's hidden {@code --python-path} sets it); empty entries are ignored.
     */
    public static final String PATH_PROPERTY = "qwenvl.python.path";

    /**
     * The located python, the folders of {@value #PATH_PROPERTY} (if set) on {@code sys.path}, no
     * extra environment. {@link PythonRuntime#shared()} starts with this.
     */
    public static PythonRuntimeConfig defaults() {
        Builder builder = builder();
        String extra = System.getProperty(PATH_PROPERTY, "");
        for (String entry : extra.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
            if (!entry.isBlank()) {
                builder.addPath(Path.of(entry.trim()));
            }
        }
        return builder.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; {@link #python} defaults to {@link PythonLocator#locate()}. */
    public static final class Builder {
        private Path python;
        private final List<Path> extraPaths = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();

        private Builder() {}

        public Builder python(Path python) {
            this.python = Objects.requireNonNull(python, "python");
            return this;
        }

        public Builder addPath(Path path) {
            extraPaths.add(Objects.requireNonNull(path, "path"));
            return this;
        }

        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public PythonRuntimeConfig build() {
            return new PythonRuntimeConfig(python != null ? python : PythonLocator.locate(), extraPaths, environment);
        }
    }
}
