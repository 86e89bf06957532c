package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineUnavailableException;
import dev.qwenvl.engine.UnsafeStartMethodException;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every error reason the Python half can raise ({@code qwenvl_bridge.errors.all_reasons()}) reaches
 * Java as the right exception type with the same reason: a reason added in Python without a Java
 * mapping fails here.
 */
class PythonBridgeIT {
    private static final String PROBES = "qwenvl_testing.probes";
    /** The Java type each engine reason must become. */
    private static final Map<String, Class<? extends RuntimeException>> ENGINE_TYPES = Map.of(
            BridgeFailures.ENGINE_UNAVAILABLE, EngineUnavailableException.class,
            BridgeFailures.UNSAFE_START_METHOD, UnsafeStartMethodException.class,
            BridgeFailures.ENGINE_DIED, EngineDiedException.class,
            BridgeFailures.ABORTED, EngineException.class,
            BridgeFailures.REQUEST_FAILED, EngineException.class);

    private static PythonRuntime runtime;
    private static PythonBridge bridge;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().build());
        bridge = new PythonBridge(runtime);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void everyReasonPythonCanRaiseBecomesTheJavaExceptionOfThatReason() {
        List<PythonBridge.Reason> reasons = bridge.reasons();
        assertEquals(Set.of("video", "download", "engine"),
                reasons.stream().map(PythonBridge.Reason::domain).collect(Collectors.toSet()), "domains: " + reasons);
        List<String> wrong = new ArrayList<>();
        for (PythonBridge.Reason r : reasons) {
            RuntimeException thrown = assertThrows(RuntimeException.class,
                    () -> bridge.call(PROBES, "raise_reason", r.domain(), r.name()));
            String problem = check(r, thrown);
            if (problem != null) {
                wrong.add(r + ": " + problem);
            }
        }
        assertEquals(List.of(), wrong, "reasons without the right Java mapping");
    }

    /**
     * The same reasons arriving as values, the way the engine's stream answers a failed request
     * ({@code errors.failure}), decode through {@link EngineBridge} and map to the same types.
     */
    @Test
    void everyEngineReasonAsAStreamFailureBecomesTheSameJavaException() {
        List<String> wrong = new ArrayList<>();
        for (PythonBridge.Reason r : bridge.reasons()) {
            if (!r.domain().equals("engine")) {
                continue;
            }
            Object value = runtime.call(PROBES, "stream_failure", r.domain(), r.name());
            PythonException failure = EngineBridge.finishedFromPython(List.of(value), "probe").get(0).failure();
            RuntimeException typed = BridgeFailures.typed(failure);
            Class<?> expected = ENGINE_TYPES.get(r.name());
            if (expected == null || typed.getClass() != expected || !typed.getMessage().contains("the message")) {
                wrong.add(r + ": became " + typed.getClass().getName() + " (" + typed.getMessage() + ")");
            }
        }
        assertEquals(List.of(), wrong, "stream failures without the right Java mapping");
    }

    @Test
    void aDeathFromTheEngineWatchCarriesItsProcessPidAndSignal() {
        PythonException e = assertThrows(PythonException.class,
                () -> runtime.call(PROBES, "raise_engine_died", "EngineCore", 4242, -9));
        EngineDiedException died = assertInstanceOf(EngineDiedException.class, BridgeFailures.typed(e));
        assertEquals("EngineCore", died.processName());
        assertEquals(4242, died.pid());
        assertEquals("SIGKILL", died.signal().orElseThrow());
        assertTrue(died.exitCode().isEmpty());
    }

    private static String check(PythonBridge.Reason r, RuntimeException thrown) {
        switch (r.domain()) {
            case "video" -> {
                if (!(thrown instanceof VideoInputException v)) {
                    return "became " + thrown.getClass().getName();
                }
                if (!v.reason().name().equals(r.name())) {
                    return "became reason " + v.reason();
                }
                if (!v.source().equals("probe-source") || !v.getMessage().contains("the detail")) {
                    return "lost source or detail: " + v.getMessage();
                }
            }
            case "download" -> {
                if (!(thrown instanceof WeightsDownloadException d)) {
                    return "became " + thrown.getClass().getName();
                }
                if (!d.reason().name().equals(r.name())) {
                    return "became reason " + d.reason();
                }
                if (!d.getMessage().equals("the message") || !"a/b".equals(d.modelId()) || !"r1".equals(d.revision())) {
                    return "lost message, model or revision: " + d.getMessage() + " " + d.modelId() + " " + d.revision();
                }
            }
            case "engine" -> {
                Class<?> expected = ENGINE_TYPES.get(r.name());
                if (expected == null || thrown.getClass() != expected) {
                    return "became " + thrown.getClass().getName() + ", expected " + expected;
                }
                if (!thrown.getMessage().contains("the message")) {
                    return "lost the message: " + thrown.getMessage();
                }
            }
            default -> {
                return "a domain Java does not map";
            }
        }
        if (!(thrown.getCause() instanceof PythonException)) {
            return "the Python exception (with its traceback) is not the cause";
        }
        return null;
    }

    @Test
    void everyJavaReasonExceptTheFallbacksIsOneThatPythonRaises() {
        Set<String> python = bridge.reasons().stream().map(r -> r.domain() + ":" + r.name()).collect(Collectors.toSet());
        Set<String> java = new TreeSet<>();
        Arrays.stream(VideoInputException.Reason.values()).forEach(v -> java.add("video:" + v.name()));
        Arrays.stream(WeightsDownloadException.Reason.values())
                .filter(v -> v != WeightsDownloadException.Reason.UNKNOWN) // Java's own: a reason it does not know
                .forEach(v -> java.add("download:" + v.name()));
        ENGINE_TYPES.keySet().forEach(k -> java.add("engine:" + k));
        java.removeAll(python);
        assertEquals(Set.of(), java, "Java reasons the Python half never raises");
    }

    @Test
    void exceptionsOfOtherModulesKnownByClassNameAreMappedToo() {
        List<?> names = (List<?>) runtime.call(PROBES, "foreign_types");
        assertTrue(names.contains("EngineDeadError"), "vLLM's own death notice is known: " + names);
        for (Object name : names) {
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> bridge.call(PROBES, "raise_foreign", name));
            assertTrue(thrown instanceof EngineUnavailableException || thrown instanceof EngineDiedException,
                    name + " became " + thrown);
        }
    }

    @Test
    void aPlainPythonExceptionStaysAPythonExceptionWithItsTypeAndTraceback() {
        PythonException e = assertThrows(PythonException.class,
                () -> bridge.call(PROBES, "fail_three_deep", "the disk is made of cheese"));
        assertEquals("builtins.ValueError", e.pythonType());
        assertTrue(e.reason().isEmpty() && e.domain().isEmpty());
        assertSame(e, BridgeFailures.typed(e));
    }

    @Test
    void aMissingVideoFileIsAVideoInputExceptionNamingTheFile() {
        VideoInputException e = assertThrows(VideoInputException.class,
                () -> bridge.probe(new VideoSource.VideoFile(Path.of("/no/such/clip.mp4"))));
        assertEquals(VideoInputException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("clip.mp4"), e.getMessage());
    }
}
