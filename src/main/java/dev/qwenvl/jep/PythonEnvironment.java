package dev.qwenvl.jep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the embedded interpreter needs to know about a Python environment, learned once by asking
 * that environment's own python (a short child process).
 *
 * @param executable   the environment's python (becomes {@code sys.executable} when embedded)
 * @param prefix       {@code sys.prefix}
 * @param version      e.g. {@code 3.11.7}
 * @param sitePackages the environment's site-packages folders
 * @param jepLibrary   the native {@code libjep.so} of the environment's jep
 * @param jepVersion   the version of jep installed there
 */
public record PythonEnvironment(
        Path executable, Path prefix, String version, List<Path> sitePackages, Path jepLibrary, String jepVersion) {

    private static final long PROBE_TIMEOUT_SECONDS = 60;

    /** Printed as key=value lines; every user-visible problem is reported as error=... . */
    private static final String PROBE = String.join("\n",
            "import sys, site, sysconfig, importlib.util, importlib.metadata, pathlib",
            "print('executable=' + sys.executable)",
            "print('prefix=' + sys.prefix)",
            "print('version=%d.%d.%d' % sys.version_info[:3])",
            "for p in site.getsitepackages(): print('site=' + p)",
            "if not sysconfig.get_config_var('Py_ENABLE_SHARED'): print('error=noshared')",
            "spec = importlib.util.find_spec('jep')",
            "if spec is None: print('error=nojep')",
            "else:",
            "    d = pathlib.Path(list(spec.submodule_search_locations)[0])",
            "    print('jeplib=' + str(d / 'libjep.so'))",
            "    print('jepversion=' + importlib.metadata.version('jep'))");

    /**
     * Asks {@code python} about itself.
     *
     * @throws PythonEnvironmentException naming the path and the fix when it is not usable
     */
    public static PythonEnvironment probe(Path python) {
        Path exe = python.toAbsolutePath().normalize();
        if (!Files.exists(exe)) {
            throw new PythonEnvironmentException("Python executable not found: " + exe + ". "
                    + PythonLocator.HOW_TO_FIX);
        }
        if (Files.isDirectory(exe) || !Files.isExecutable(exe)) {
            throw new PythonEnvironmentException("Not an executable Python: " + exe + ". " + PythonLocator.HOW_TO_FIX);
        }
        Map<String, List<String>> facts = run(exe);
        List<String> errors = facts.getOrDefault("error", List.of());
        if (errors.contains("noshared")) {
            throw new PythonEnvironmentException("The Python at " + exe + " has no shared libpython, which JEP needs "
                    + "to embed it. Use a Python built with --enable-shared (pyenv: "
                    + "PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install <version>).");
        }
        if (errors.contains("nojep")) {
            throw new PythonEnvironmentException("jep is not installed in " + exe + ": run `bash python/setup-env.sh`, or "
                    + exe + " -m pip install numpy && " + exe + " -m pip install --no-build-isolation jep=="
                    + JepVersion.ofJar());
        }
        Path jepLib = Path.of(single(facts, "jeplib", exe));
        if (!Files.isRegularFile(jepLib)) {
            throw new PythonEnvironmentException("jep in " + exe + " has no native library at " + jepLib
                    + ": reinstall it with " + exe + " -m pip install --force-reinstall --no-build-isolation jep=="
                    + JepVersion.ofJar());
        }
        List<Path> sites = facts.getOrDefault("site", List.of()).stream().map(Path::of).toList();
        return new PythonEnvironment(Path.of(single(facts, "executable", exe)), Path.of(single(facts, "prefix", exe)),
                single(facts, "version", exe), sites, jepLib, single(facts, "jepversion", exe));
    }

    private static Map<String, List<String>> run(Path exe) {
        Process process;
        try {
            process = new ProcessBuilder(exe.toString(), "-c", PROBE).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new PythonEnvironmentException("Cannot run " + exe + ": " + e.getMessage() + ". " + PythonLocator.HOW_TO_FIX, e);
        }
        String output;
        try (InputStream in = process.getInputStream()) {
            process.getOutputStream().close();
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PythonEnvironmentException(exe + " did not answer within " + PROBE_TIMEOUT_SECONDS
                        + " s when asked for its paths; check that it starts: " + exe + " -c 'print(1)'");
            }
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PythonEnvironmentException("Cannot read the answer of " + exe + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new PythonEnvironmentException("Interrupted while asking " + exe + " for its paths", e);
        }
        if (process.exitValue() != 0) {
            throw new PythonEnvironmentException(exe + " failed (exit " + process.exitValue()
                    + ") when asked for its paths:\n" + output.strip());
        }
        Map<String, List<String>> facts = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                facts.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
            }
        }
        return facts;
    }

    private static String single(Map<String, List<String>> facts, String key, Path exe) {
        List<String> values = facts.get(key);
        if (values == null || values.isEmpty()) {
            throw new PythonEnvironmentException(exe + " did not report its " + key + "; is it a CPython 3.10+?");
        }
        return values.get(0);
    }
}
