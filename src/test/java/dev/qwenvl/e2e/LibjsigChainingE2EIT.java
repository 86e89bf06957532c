package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With the JDK's {@code libjsig.so} preloaded (an option, never a requirement: failsafe's
 * signal-chaining execution), other libraries' handlers are chained behind the JVM's, so the
 * library detects libjsig, records nothing and restores nothing; the JVM survives
 * NullPointerExceptions in compiled code after {@code libtvm_ffi.so} loaded (vLLM's native
 * library that takes SIGSEGV), and the process signals still have the JVM's handlers.
 */
class LibjsigChainingE2EIT {
    private static final String SIGNALS = "qwenvl_bridge.signals";
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    private static int hash(Object o) {
        return o.hashCode();
    }

    @Test
    void withLibjsigTheDispositionsAreLeftAloneAndCompiledCodeStillThrowsNullPointerExceptions() {
        E2ETier.assumeLibjsig();
        assertEquals(Boolean.TRUE, PYTHON.get().call(SIGNALS, "libjsig_preloaded"));
        assertEquals(Boolean.FALSE, PYTHON.get().call(SIGNALS, "recorded"));
        assertEquals(Boolean.TRUE, PYTHON.get().call("qwenvl_e2e.checks", "load_native_module", "tvm_ffi"));
        assertEquals(List.of(), PYTHON.get().call(SIGNALS, "restore", "loading tvm_ffi"));
        long thrown = 0;
        for (int i = 0; i < 20_000_000; i++) {
            try {
                hash((i & 1023) == 0 ? null : "x"); // hot enough for C2, which checks null by trapping SIGSEGV
            } catch (NullPointerException e) {
                thrown++;
            }
        }
        assertEquals(20_000_000 / 1024 + 1, thrown);
        @SuppressWarnings("unchecked")
        Map<String, List<Object>> now = (Map<String, List<Object>>) PYTHON.get().call(SIGNALS, "dispositions");
        // libjsig answers sigaction queries with the handler a library installed (the chained one), so
        // only the process signals, which no library here takes, are read back as the JVM's
        for (String signal : List.of("SIGQUIT", "SIGINT", "SIGTERM", "SIGHUP")) {
            assertTrue(String.valueOf(now.get(signal).get(2)).contains("libjvm.so"), signal + ": " + now.get(signal));
        }
    }
}
