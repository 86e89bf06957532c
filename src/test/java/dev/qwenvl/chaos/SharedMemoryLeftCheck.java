package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After a chaos test class, {@code /dev/shm} holds no segment its runs created: every
 * shared-memory segment a test's engine cores made (the stand-in core holds one, named
 * {@code psm_qwenvl_standin_<token>_<pid>}, as vLLM's core holds its message queue) and that was
 * not there before the class is gone within {@value #WAIT_S} s of its end, killed cores included
 * (the orphan guard sweeps them). Compared with a snapshot taken before the class, and limited to
 * segments whose token names this JVM (or a child JVM a test names through {@link #leftSince}),
 * so other processes' segments do not matter.
 */
public final class SharedMemoryLeftCheck implements BeforeAllCallback, AfterAllCallback {
    static final Path SHM = Path.of("/dev/shm");
    static final String STAND_IN_PREFIX = "psm_qwenvl_standin_";
    static final int WAIT_S = 10;

    private Set<String> before;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        before = names();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        long jvm = ProcessHandle.current().pid();
        boolean clean = Processes.within(WAIT_S, () -> leftSince(before, List.of(jvm)).isEmpty());
        assertTrue(clean, context.getDisplayName() + " left shared memory in " + SHM + ": " + leftSince(before, List.of(jvm)));
    }

    /**
     * For the real vLLM (its segments carry no token: run under the heavy-test lock, so no other
     * engine makes segments meanwhile): after the class, no {@code psm_*} segment made since the
     * snapshot is left that no live process holds (a leak, by definition); segments other live
     * engines hold do not count.
     */
    public static final class AnyPythonSegment implements BeforeAllCallback, AfterAllCallback {
        private Set<String> before;

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            before = names();
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            boolean clean = Processes.within(WAIT_S, () -> leakedSince(before).isEmpty());
            assertTrue(clean, context.getDisplayName() + " left shared memory in " + SHM + ": " + leakedSince(before));
        }
    }

    /** {@code psm_*} names made since {@code before} that no live process holds open or maps. */
    public static Set<String> leakedSince(Set<String> before) {
        try {
            Set<String> fresh = new TreeSet<>();
            for (String name : names()) {
                if (!before.contains(name) && name.startsWith("psm_")) {
                    fresh.add(name);
                }
            }
            if (!fresh.isEmpty()) {
                fresh.removeAll(heldByLiveProcesses());
            }
            return fresh;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The /dev/shm names some process holds open or maps (from /proc: fd links and maps). */
    static Set<String> heldByLiveProcesses() throws IOException {
        Set<String> held = new TreeSet<>();
        String prefix = SHM + "/";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            String target = Files.readSymbolicLink(fd).toString();
                            if (target.startsWith(prefix)) {
                                held.add(target.substring(prefix.length()));
                            }
                        } catch (IOException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException e) {
                    // gone, or not ours to read
                }
                try {
                    for (String line : Files.readAllLines(proc.resolve("maps"))) {
                        int at = line.indexOf(prefix);
                        if (at >= 0) {
                            held.add(line.substring(at + prefix.length()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours to read
                }
            }
        }
        return held;
    }

    /** The names in /dev/shm now. */
    static Set<String> names() throws IOException {
        if (!Files.isDirectory(SHM)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(SHM)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * The stand-in cores' segments made by the JVMs {@code jvmPids} (their token starts with the
     * pid) that are in /dev/shm now and were not in {@code before}.
     */
    static Set<String> leftSince(Set<String> before, List<Long> jvmPids) {
        try {
            Set<String> left = new TreeSet<>();
            for (String name : names()) {
                if (before.contains(name) || !name.startsWith(STAND_IN_PREFIX)) {
                    continue;
                }
                String token = name.substring(STAND_IN_PREFIX.length());
                if (jvmPids.stream().anyMatch(pid -> token.startsWith(pid + "-"))) {
                    left.add(name);
                }
            }
            return left;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
