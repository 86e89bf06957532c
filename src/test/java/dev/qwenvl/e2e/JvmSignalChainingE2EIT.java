package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * vLLM loads {@code libtvm_ffi.so}, whose load-time constructor installs its own SIGSEGV handler
 * over the JVM's. HotSpot raises SIGSEGV on purpose (implicit null checks in JIT-compiled code,
 * among others), so without signal chaining the JVM dies on the next NullPointerException thrown
 * from compiled code ("!!!!!!! Segfault encountered !!!!!!!", exit 139: this killed the Spark test).
 * Failsafe runs this test's JVM with the JDK's {@code libjsig.so} preloaded ({@code LD_PRELOAD}, the
 * signal-chaining execution in pom.xml), which keeps the JVM's handler first. This test crashes its
 * JVM if that is removed (checked: exit 139).
 */
class JvmSignalChainingE2EIT {
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    private static int hash(Object o) {
        return o.hashCode();
    }

    @Test
    void compiledCodeStillThrowsNullPointerExceptionsAfterVllmsNativeLibrariesLoad() {
        E2ETier.assumeSignalChaining();
        boolean loaded = (Boolean) PYTHON.get().call("qwenvl_e2e.checks", "load_native_module", "tvm_ffi");
        org.junit.jupiter.api.Assumptions.assumeTrue(loaded, "this vLLM does not bring tvm_ffi");
        long thrown = 0;
        for (int i = 0; i < 20_000_000; i++) {
            try {
                hash((i & 1023) == 0 ? null : "x"); // hot enough for C2, which checks null by trapping SIGSEGV
            } catch (NullPointerException e) {
                thrown++;
            }
        }
        assertEquals(20_000_000 / 1024 + 1, thrown);
    }
}
