package dev.qwenvl.jep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jep.Interpreter;
import jep.JepConfig;
import jep.JepException;
import jep.MainInterpreter;
import jep.PyConfig;
import jep.SharedInterpreter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the embedded interpreter starts: the process-wide JEP settings (once per JVM) and the
 * interpreter's own set-up (paths, environment, the Python half's entry point, logging).
 * Runs on the runtime's interpreter thread.
 */
final class InterpreterStart {
    private static final Logger LOG = LoggerFactory.getLogger(InterpreterStart.class);

    private InterpreterStart() {}

    /**
     * Process-wide JEP settings, which can be made once per JVM: native library, CPython init
     * parameters, and the shared-interpreter config (site-packages, the Python half, stdout/stderr
     * to SLF4J). Later runtimes of the same environment reuse them.
     */
    static void configureProcess(PythonEnvironment env, Path bridgeDir) {
        try {
            MainInterpreter.setJepLibraryPath(env.jepLibrary().toString());
            // Program name = the environment's python: CPython then derives sys.prefix (the venv) and
            // sys.executable from it, so child processes (multiprocessing spawn) use the right python.
            MainInterpreter.setInitParams(new PyConfig().setProgramName(env.executable().toString())
                    .setNoUserSiteDirectory(1));
        } catch (IllegalStateException alreadyInitialised) {
            LOG.debug("CPython was already initialised by other code in this JVM: {}", alreadyInitialised.getMessage());
        }
        JepConfig jepConfig = new JepConfig();
        jepConfig.addIncludePaths(bridgeDir.toString());
        env.sitePackages().forEach(p -> jepConfig.addIncludePaths(p.toString()));
        jepConfig.redirectStdout(new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stdout"), false));
        jepConfig.redirectStdErr(new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stderr"), true));
        try {
            SharedInterpreter.setConfig(jepConfig);
        } catch (JepException alreadyConfigured) {
            throw new PythonEnvironmentException("JEP's shared interpreter was configured by other code in this JVM; "
                    + "qwenvl-jep must own the embedded Python of its process", alreadyConfigured);
        }
    }

    /**
     * A new interpreter with the configured paths and environment, the Python half's entry point
     * imported and Python logging routed to SLF4J.
     */
    static Interpreter open(PythonRuntimeConfig config) {
        Interpreter interpreter = new SharedInterpreter();
        List<String> extraPaths = config.extraPaths().stream().map(p -> p.toAbsolutePath().toString()).toList();
        interpreter.set("_qwenvl_paths", new ArrayList<>(extraPaths));
        Map<String, String> env = new LinkedHashMap<>(config.environment());
        env.put(OrphanGuard.ENV, OrphanGuard.token()); // marks every process Python starts
        interpreter.set("_qwenvl_env", env);
        interpreter.exec("import os, sys\n"
                + "sys.path[:0] = [str(p) for p in _qwenvl_paths if str(p) not in sys.path]\n"
                + "os.environ.update({str(k): str(v) for k, v in _qwenvl_env.items()})\n"
                + "del _qwenvl_env, _qwenvl_paths\n"
                + "import qwenvl_bridge.signals as _s; _s.record(); del _s\n" // before anything native loads
                + "import qwenvl_bridge.bridge as " + PythonBridge.ENTRY_ALIAS);
        int level = PythonLogSink.pythonLevelFor(LoggerFactory.getLogger(PythonLogSink.PREFIX + "root"));
        interpreter.invoke(PythonBridge.ENTRY_INSTALL_LOGGING, new PythonLogSink(), level);
        return interpreter;
    }

    /**
     * The failure of the last call as a {@link PythonException}: the Python half kept its
     * description ({@code bridge.take_last_error}, decoded by name by {@link BridgeFailures#decode}).
     */
    static PythonException lastError(Interpreter py, String call, JepException e) {
        Object details;
        try {
            details = py.invoke(PythonBridge.ENTRY_TAKE_LAST_ERROR);
        } catch (JepException nested) {
            details = null;
        }
        if (details instanceof Map<?, ?> described) {
            return BridgeFailures.decode(call, described, e);
        }
        return new PythonException(call, "unknown", String.valueOf(e.getMessage()), "", e);
    }
}
