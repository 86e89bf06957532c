package dev.qwenvl.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding and killing the processes of the chaos tests (Linux /proc). */
public final class Processes {
    private Processes() {}

    /** Descendants of this JVM started by multiprocessing spawn (engine cores and their workers). */
    public static List<ProcessHandle> spawnedChildren() {
        return spawnedDescendants(ProcessHandle.current());
    }

    /** The direct children of {@code parent} started by multiprocessing spawn: vLLM's engine cores. */
    public static List<ProcessHandle> engineCores(ProcessHandle parent) {
        long pid = parent.pid();
        return spawnedDescendants(parent).stream()
                .filter(p -> p.parent().map(pp -> pp.pid() == pid).orElse(false)).toList();
    }

    /**
     * Descendants of {@code parent} started by multiprocessing spawn (vLLM renames its engine core
     * {@code VLLM::EngineCore}), the resource tracker left out.
     */
    public static List<ProcessHandle> spawnedDescendants(ProcessHandle parent) {
        return parent.descendants().filter(p -> {
            String c = commandLine(p.pid());
            return (c.contains("spawn_main") || c.startsWith("VLLM::")) && alive(p);
        }).toList();
    }

    /** /proc/PID/cmdline with spaces between the arguments; empty when the process is gone. */
    public static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Processes (anywhere) whose initial environment holds {@code entry}, e.g. QWENVL_JEP_OWNER=token. */
    public static List<Long> withEnvironment(String entry) {
        List<Long> out = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String env = new String(Files.readAllBytes(d.resolve("environ")), java.nio.charset.StandardCharsets.UTF_8);
                    if (List.of(env.split("\0")).contains(entry) && !zombie(d)) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException gone) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Alive and not a zombie (a killed child whose parent died stays a zombie where nobody reaps it). */
    public static boolean alive(ProcessHandle p) {
        try {
            return p.isAlive() && !zombie(Path.of("/proc", Long.toString(p.pid())));
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    private static boolean zombie(Path procDir) throws IOException {
        String stat = Files.readString(procDir.resolve("stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    }

    /** {@code kill -9 pid}. */
    public static void kill9(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kill -9 " + pid + " failed");
        }
    }

    /** Waits up to {@code seconds} until {@code check} holds; returns whether it did. */
    public static boolean within(double seconds, java.util.function.BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return check.getAsBoolean();
    }
}
