package dev.qwenvl.cli;

import dev.qwenvl.jep.PythonLocator;
import dev.qwenvl.jep.PythonRuntimeConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** Options choosing the Python environment; applied as system properties before Python starts. */
final class PythonOptions {

    @Option(names = "--python", paramLabel = "PATH",
            description = "Python of the environment to embed (sets -D" + PythonLocator.PROPERTY + "); default: "
                    + "$" + PythonLocator.ENV + ", else ./.venv/bin/python.")
    Path python;

    /** Test hook: folders put first on sys.path, e.g. to shadow vllm with a stand-in. */
    @Option(names = "--python-path", paramLabel = "DIR", hidden = true)
    List<Path> pythonPath = List.of();

    void apply() {
        if (python != null) {
            System.setProperty(PythonLocator.PROPERTY, python.toAbsolutePath().toString());
        }
        if (!pythonPath.isEmpty()) {
            System.setProperty(PythonRuntimeConfig.PATH_PROPERTY, pythonPath.stream()
                    .map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        }
    }
}
