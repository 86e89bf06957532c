package dev.qwenvl.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One run owns an output: an exclusive OS lock ({@link FileChannel#tryLock()}, an {@code fcntl}
 * lock on Linux) on a lock file beside each file the run writes ({@code captions.jsonl.lock},
 * {@code captions.errors.jsonl.lock}), taken before anything is repaired, emptied or loaded, and
 * held until the run ends. A second run on the same files is refused at once (exit 2) naming the
 * holder, which the holder writes into the lock file: pid, host, start time.
 *
 * <p>The kernel drops the lock when the holding process ends, however it ends ({@code kill -9}
 * included), so a killed run never blocks the next one. Its lock file stays, with the dead run's
 * details; those are read only when the lock is held by someone, and are not taken for the
 * holder's: a holder on this host must be a live process with the recorded start time (a pid the
 * kernel reused is another process), otherwise the reader waits briefly for the new holder to
 * write its own details. The lock file is kept after a run (emptied when the run ends cleanly):
 * deleting it would let a run that opened the old file and a run that created a new one both
 * hold "the" lock.
 *
 * <p>Within one JVM a path locked here is refused without opening it again: closing any
 * descriptor of a file drops the process's {@code fcntl} locks on it.
 */
final class OutputLock implements AutoCloseable {
    /** How long a refused run waits for the holder to write its details into the lock file. */
    static final long HOLDER_WAIT_MS = 2000;

    private static final Set<Path> HELD_HERE = new HashSet<>();

    private final List<Held> held;

    private record Held(Path lockFile, FileChannel channel, FileLock lock) {}

    /**
     * Who holds an output: the details a run writes into its lock file.
     *
     * @param pid          the process id
     * @param host         the host name
     * @param started      when the run took the lock
     * @param processStart when the process started (tells a live holder from a reused pid), or null
     */
    record Holder(long pid, String host, Instant started, Instant processStart) {

        /** This process, now. */
        static Holder current(Instant started) {
            ProcessHandle self = ProcessHandle.current();
            return new Holder(self.pid(), hostName(), started, self.info().startInstant().orElse(null));
        }

        String toJson() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("pid", pid);
            f.put("host", host);
            f.put("started", started.toString());
            f.put("process_start", processStart == null ? null : processStart.toString());
            return Json.object(f);
        }

        /** The holder a lock file's text names, or empty when the text is not (yet) a whole record. */
        static Optional<Holder> parse(String text) {
            if (text == null || !text.endsWith("\n")) {
                return Optional.empty(); // empty, or being written
            }
            try {
                Map<String, Object> f = Json.parseObject(text.strip());
                long pid = ((Number) f.get("pid")).longValue();
                String host = (String) f.get("host");
                Instant started = Instant.parse((String) f.get("started"));
                Object ps = f.get("process_start");
                return Optional.of(new Holder(pid, host, started, ps == null ? null : Instant.parse((String) ps)));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /**
         * False when the record cannot be the live holder's: it names a process on this host that
         * is gone, or a reused pid (another start time). Records from other hosts are believed.
         */
        boolean plausiblyAlive() {
            if (!hostName().equals(host)) {
                return true;
            }
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return false;
            }
            if (processStart == null) {
                return true;
            }
            return p.get().info().startInstant().map(processStart::equals).orElse(true);
        }

        String describe() {
            return "pid " + pid + " on " + host + ", started " + started;
        }
    }

    private OutputLock(List<Held> held) {
        this.held = held;
    }

    /** The lock file of {@code file}: {@code NAME.lock} beside it. */
    static Path lockFileOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".lock");
    }

    /**
     * Locks the run's output, then its errors file, or neither.
     *
     * @throws CliFailure (exit 2) naming the file and the run that holds it
     * @throws IOException when a lock file cannot be created or written
     */
    static OutputLock acquire(Path output, Path errors) throws IOException {
        Holder me = Holder.current(Instant.now());
        List<Held> held = new ArrayList<>();
        try {
            held.add(lockOne(output, "output", me));
            held.add(lockOne(errors, "errors file", me));
        } catch (IOException | RuntimeException e) {
            releaseAll(held, false);
            throw e;
        }
        return new OutputLock(held);
    }

    private static Held lockOne(Path file, String role, Holder me) throws IOException {
        Path lockFile = lockFileOf(file.toAbsolutePath().normalize());
        Path parent = lockFile.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        synchronized (HELD_HERE) {
            if (HELD_HERE.contains(lockFile)) {
                throw inUse(file, role, lockFile, Optional.of(me));
            }
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held through another channel of this JVM (not registered: never expected)
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close();
                throw inUse(file, role, lockFile, readHolder(lockFile));
            }
            try {
                ch.truncate(0);
                ByteBuffer bytes = ByteBuffer.wrap((me.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes, ch.size());
                }
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                ch.close(); // releases the lock
                throw e;
            }
            HELD_HERE.add(lockFile);
            return new Held(lockFile, ch, lock);
        }
    }

    /**
     * The holder named in {@code lockFile}, waiting up to {@link #HOLDER_WAIT_MS} for a whole
     * record of a live process (the holder may have locked but not yet replaced a killed run's
     * record); empty when none comes.
     */
    static Optional<Holder> readHolder(Path lockFile) {
        long deadline = System.nanoTime() + HOLDER_WAIT_MS * 1_000_000L;
        while (true) {
            try {
                Optional<Holder> h = Holder.parse(Files.readString(lockFile, StandardCharsets.UTF_8));
                if (h.isPresent() && h.get().plausiblyAlive()) {
                    return h;
                }
            } catch (IOException | RuntimeException e) {
                // unreadable now: try again
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    private static CliFailure inUse(Path file, String role, Path lockFile, Optional<Holder> holder) {
        String who = holder.map(h -> "another qwenvl caption run (" + h.describe() + ")")
                .orElse("another qwenvl caption run (which has not written its pid into the lock file yet)");
        return new CliFailure(ExitCodes.CANNOT_START, "the " + role + " " + file + " is in use by " + who
                + "; two runs on one output would caption every window twice. Wait for that run to finish or stop"
                + " it, or write to another file (lock: " + lockFile + ")");
    }

    private static void releaseAll(List<Held> held, boolean empty) throws IOException {
        IOException first = null;
        for (int i = held.size() - 1; i >= 0; i--) {
            Held h = held.get(i);
            synchronized (HELD_HERE) {
                try {
                    if (h.channel().isOpen()) {
                        if (empty) {
                            h.channel().truncate(0); // a clean end: no holder to name
                        }
                        h.channel().close(); // releases the lock
                    }
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    }
                } finally {
                    HELD_HERE.remove(h.lockFile());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The lock files held. */
    List<Path> lockFiles() {
        return held.stream().map(Held::lockFile).toList();
    }

    /** Releases the locks (the kernel does too when the process ends). Idempotent. */
    @Override
    public void close() throws IOException {
        releaseAll(held, true);
    }

    static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
