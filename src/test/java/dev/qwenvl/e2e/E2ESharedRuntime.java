package dev.qwenvl.e2e;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDeaths;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.PythonRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded runtime of the end-to-end classes that run one after another in one JVM (the
 * suites {@link SharedEnginesE2EIT} and {@link VisionInputOraclesE2EIT}; failsafe's default
 * execution leaves their classes out), and the engines they lend each other. Such a JVM pays the
 * JVM start, {@code import vllm} and each engine start once instead of once per class.
 *
 * <ul>
 *   <li><b>One runtime per JVM</b>, started by the first class that needs it and closed when JUnit
 *       ends in this JVM (the root context's store closes it, after the engines). A class run alone
 *       ({@code -Dit.test=...}) gets the same runtime it got before, in its own JVM.</li>
 *   <li><b>One started engine per engine-argument set</b> ({@link #engines()}, {@link #engine}),
 *       lent through a {@link Loan}: its {@code close()} ends the loan, not the engine, and a
 *       request submitted after it fails as on a closed engine. A test that checks what a start or
 *       a close does (a new engine after a close, close releasing the engine, a killed core) starts
 *       its own engine with {@link JepLlmEngine#start} as before.</li>
 *   <li><b>Same state for every user:</b> an engine is lent only with nothing in flight (no
 *       request held by its stream), and a dead one is replaced by a fresh start; engine facts a
 *       test reads (vLLM's request totals, stream counts) are read as differences over its own
 *       calls.</li>
 * </ul>
 * Classes that look at process-wide state (the engine processes of this JVM, signal handlers,
 * environment variables, a runtime of another configuration) stay out of the suites and keep
 * their own JVM.
 */
final class E2ESharedRuntime implements BeforeAllCallback {
    private static final Logger LOG = LoggerFactory.getLogger(E2ESharedRuntime.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(E2ESharedRuntime.class);

    private final boolean inProcessEngine;
    private final String modelId;
    private volatile Shared shared;

    /** The default runtime ({@link E2ETier#startRuntime()}) for the tiny Qwen2.5-VL. */
    E2ESharedRuntime() {
        this(false, "Qwen/Qwen2.5-VL-7B-Instruct");
    }

    /** {@code inProcessEngine}: see {@link E2ETier#startRuntime(boolean)}; {@code modelId}: the tiny model the class needs. */
    E2ESharedRuntime(boolean inProcessEngine, String modelId) {
        this.inProcessEngine = inProcessEngine;
        this.modelId = modelId;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        E2ETier.assumeInstalled(modelId);
        Shared s = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shared.class,
                k -> new Shared(inProcessEngine), Shared.class);
        if (s.inProcessEngine != inProcessEngine) {
            throw new IllegalStateException("this JVM's shared runtime runs vLLM's engine "
                    + (s.inProcessEngine ? "in process" : "in its own process") + "; "
                    + context.getRequiredTestClass().getSimpleName() + " needs the other kind: put it in a suite of its kind");
        }
        shared = s;
    }

    PythonRuntime get() {
        return requireShared().runtime;
    }

    /** A factory that lends the JVM's engine for the arguments it is given (starting it the first time). */
    LlmEngineFactory engines() {
        return this::engine;
    }

    /** A loan of the JVM's engine for {@code args}, started on first use; close the loan when done. */
    LlmEngine engine(EngineArgs args) {
        return requireShared().lend(args);
    }

    private Shared requireShared() {
        Shared s = shared;
        if (s == null) {
            throw new IllegalStateException("register E2ESharedRuntime with @RegisterExtension on a static field");
        }
        return s;
    }

    /** The runtime and the started engines of one JVM; closed by JUnit when its root context closes. */
    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        final boolean inProcessEngine;
        final PythonRuntime runtime;
        private final Map<EngineArgs, JepLlmEngine> engines = new LinkedHashMap<>();

        Shared(boolean inProcessEngine) {
            this.inProcessEngine = inProcessEngine;
            this.runtime = E2ETier.startRuntime(inProcessEngine);
        }

        synchronized LlmEngine lend(EngineArgs args) {
            JepLlmEngine engine = engines.get(args);
            if (engine != null && EngineDeaths.of(engine).isPresent()) {
                LOG.warn("the shared engine for {} died ({}); starting a new one", args.model(), EngineDeaths.of(engine).get().getMessage());
                engine.close();
                engines.remove(args);
                engine = null;
            }
            if (engine == null) {
                long t0 = System.nanoTime();
                engine = JepLlmEngine.start(runtime, args);
                engines.put(args, engine);
                LOG.info("started shared engine {} of this JVM in {} s", engines.size(),
                        String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            } else {
                LOG.info("lending the started shared engine for {}", args.model());
            }
            long held = engine.streamStats().held();
            if (held != 0) {
                throw new IllegalStateException("the shared engine still holds " + held
                        + " requests of an earlier user: every loan must end with its requests finished");
            }
            return new Loan(engine);
        }

        @Override
        public synchronized void close() {
            engines.values().forEach(JepLlmEngine::close);
            engines.clear();
            runtime.close();
        }
    }

    /** A started engine lent to one user: everything goes to the engine but {@code close()}, which ends the loan. */
    private static final class Loan implements LlmEngine {
        private final LlmEngine engine;
        private final AtomicBoolean closed = new AtomicBoolean();

        Loan(LlmEngine engine) {
            this.engine = engine;
        }

        @Override
        public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
            if (closed.get()) {
                throw new EngineException("this loan of the shared engine was closed; borrow the engine again");
            }
            return engine.submit(request, sampling);
        }

        @Override
        public StreamStats streamStats() {
            return engine.streamStats();
        }

        @Override
        public Optional<EngineDiedException> death() {
            return engine.death();
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
