package dev.qwenvl.jep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The child processes a {@link PythonRuntime}'s calls depend on (vLLM's engine core), watched from
 * Java so that a call stuck on a dead one can be given up even when Python cannot report it.
 *
 * <p>A process counts as dead when it no longer exists, is a zombie (ended, not yet reaped), or its
 * pid now belongs to a process started at another time. The first death seen is kept, with the
 * time it was first seen, until its process is {@linkplain #forget forgotten}. Thread-safe.
 */
public final class ChildProcesses {

    /** A watched process that was seen dead, first at {@code seenNanos} ({@link System#nanoTime()}). */
    public record Death(long pid, String name, long seenNanos) {
        public String describe() {
            return "the child process " + name + " (pid " + pid + ") ended";
        }
    }

    private record Watched(long pid, String name, Optional<Instant> started) {}

    private final Map<Long, Watched> watched = new ConcurrentHashMap<>();
    private volatile Death death;
    /** Deaths seen by {@link #check(java.util.Collection)}, by pid, until forgotten. */
    private final Map<Long, Death> ownDeaths = new ConcurrentHashMap<>();

    /** Starts watching {@code pid}; a pid that does not exist (any more) counts as dead at the next check. */
    public void watch(long pid, String name) {
        Optional<Instant> started = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant());
        watched.put(pid, new Watched(pid, name, started));
    }

    /** Stops watching {@code pid} (it was shut down on purpose, or its death was handled). */
    public void forget(long pid) {
        watched.remove(pid);
        ownDeaths.remove(pid);
        Death d = death;
        if (d != null && d.pid() == pid) {
            death = null;
        }
    }

    /** Looks at every watched process now; the first death seen (kept until forgotten), if any. */
    public Optional<Death> check() {
        if (death == null) {
            for (Watched w : watched.values()) {
                if (!alive(w)) {
                    synchronized (this) {
                        if (death == null) {
                            death = new Death(w.pid(), w.name(), System.nanoTime());
                        }
                    }
                    break;
                }
            }
        }
        return Optional.ofNullable(death);
    }

    /**
     * Like {@link #check()}, for {@code pids} alone: the death of one of them, if any (the first
     * seen of them). An engine of a pool asks about its own processes only, so that another
     * engine's death is never taken for its own.
     */
    public Optional<Death> check(java.util.Collection<Long> pids) {
        Death d = death;
        if (d != null && pids.contains(d.pid())) {
            return Optional.of(d);
        }
        for (Long pid : pids) {
            Watched w = watched.get(pid);
            if (w != null && !alive(w)) {
                Death seen = ownDeaths.computeIfAbsent(pid, p -> new Death(w.pid(), w.name(), System.nanoTime()));
                check(); // keeps the runtime-wide first death up to date too
                return Optional.of(seen);
            }
        }
        return Optional.empty();
    }

    /** How many processes are watched. */
    public int size() {
        return watched.size();
    }

    private static boolean alive(Watched w) {
        Optional<ProcessHandle> handle = ProcessHandle.of(w.pid());
        if (handle.isEmpty() || !handle.get().isAlive() || zombie(w.pid())) {
            return false;
        }
        Optional<Instant> started = handle.get().info().startInstant();
        return w.started().isEmpty() || started.isEmpty() || started.equals(w.started());
    }

    /** Linux: the state letter of /proc/PID/stat is Z for an ended, unreaped process. */
    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // gone (then ProcessHandle says so) or not Linux
        }
    }
}
