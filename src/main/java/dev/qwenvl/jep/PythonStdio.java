package dev.qwenvl.jep;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jep.Interpreter;
import jep.JepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java half of {@code qwenvl_bridge.stdio}: Python's {@code sys.stdout} and {@code sys.stderr}
 * write to OS pipes (so {@code fileno()} works), and one Java thread per pipe forwards each line to
 * SLF4J ({@code python.stdout} at INFO, {@code python.stderr} at WARN).
 *
 * <p>Closing does not wait for the pipes' end of file: a child process may hold a copy of a write
 * end for as long as it lives (multiprocessing's resource tracker, which vLLM's first process
 * starts, keeps {@code sys.stderr} until the JVM ends). Python writes an end mark as each pipe's
 * last line instead; {@link #close} waits until both readers have logged everything before it, and
 * the readers go on forwarding what such a child writes until the end of file.
 *
 * <p>The readers never touch Python, so they drain the pipes whatever the interpreter is doing: a
 * writer blocked on a full pipe is always released. The read ends are opened through
 * {@code /proc/self/fd} (Linux; {@code /dev/fd} elsewhere); where neither works, JEP's own
 * redirection (without {@code fileno()}) stays in place and a warning says so. Used only on the
 * runtime's interpreter thread.
 */
final class PythonStdio {
    private static final Logger LOG = LoggerFactory.getLogger(PythonStdio.class);
    private static final String MODULE = PythonBridge.STDIO_ALIAS;
    /** Fixed source text (no data in it): binds the stdio module to {@link #MODULE}. */
    private static final String IMPORT = PythonBridge.STDIO_IMPORT;

    /** The longest {@link #close} waits for the readers to log what Python wrote. */
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final List<Thread> readers;
    /** Counted down by each reader at the end mark or at its end. */
    private final CountDownLatch drained;

    private PythonStdio(List<Thread> readers, CountDownLatch drained) {
        this.readers = readers;
        this.drained = drained;
    }

    /** Installs the pipes in {@code py} and starts their readers. */
    static PythonStdio install(Interpreter py) {
        py.exec(IMPORT);
        Map<?, ?> readEnds = (Map<?, ?>) py.invoke(MODULE + ".install");
        List<Object> fds = List.of(readEnds.get("stdout"), readEnds.get("stderr")); // by name: stdout, then stderr
        List<InputStream> streams = new ArrayList<>();
        try {
            for (Object fd : fds) {
                streams.add(new FileInputStream(descriptorPath(((Number) fd).intValue()).toFile()));
            }
        } catch (IOException | RuntimeException e) {
            streams.forEach(PythonStdio::closeQuietly);
            py.invoke(MODULE + ".uninstall");
            py.invoke(MODULE + ".release", fds);
            LOG.warn("Python's sys.stdout/sys.stderr stay without fileno(): cannot open a pipe's read end ({}); "
                    + "libraries that ask for the descriptor will fail", e.toString());
            return new PythonStdio(List.of(), new CountDownLatch(0));
        }
        py.invoke(MODULE + ".release", fds); // Java holds its own descriptors now
        String endMark = (String) readEnds.get("end_mark");
        CountDownLatch drained = new CountDownLatch(2);
        Runnable outDone = new Once(drained::countDown);
        Runnable errDone = new Once(drained::countDown);
        List<Thread> readers = List.of(
                reader(streams.get(0), new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stdout"), false,
                        endMark, outDone), outDone, "stdout"),
                reader(streams.get(1), new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stderr"), true,
                        endMark, errDone), errDone, "stderr"));
        readers.forEach(Thread::start);
        return new PythonStdio(readers, drained);
    }

    /** Runs its action the first time only (a reader's end mark and its end of file count once). */
    private static final class Once implements Runnable {
        private final Runnable action;
        private boolean done; // guarded by this

        Once(Runnable action) {
            this.action = action;
        }

        @Override
        public synchronized void run() {
            if (!done) {
                done = true;
                action.run();
            }
        }
    }

    private static Path descriptorPath(int fd) {
        Path proc = Path.of("/proc/self/fd", Integer.toString(fd));
        return Files.exists(proc) ? proc : Path.of("/dev/fd", Integer.toString(fd));
    }

    private static Thread reader(InputStream in, OutputStream lines, Runnable ended, String name) {
        Thread t = new Thread(() -> {
            try {
                pump(in, lines);
            } finally {
                ended.run();
            }
        }, "qwenvl-python-" + name);
        t.setDaemon(true); // never holds the JVM open; ends at EOF, when the last copy of the write end closes
        return t;
    }

    private static void pump(InputStream in, OutputStream lines) {
        byte[] buffer = new byte[8192];
        try (in; lines) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                lines.write(buffer, 0, n);
            }
        } catch (IOException e) {
            LOG.debug("Python output reader ended: {}", e.toString());
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to release beyond the descriptor
        }
    }

    /**
     * Puts JEP's streams back, closes this side's write ends and waits (at most 5 s) until the
     * readers have logged all that Python wrote: up to the end mark, or the end of file.
     */
    void close(Interpreter py) {
        if (readers.isEmpty()) {
            return;
        }
        try {
            py.invoke(MODULE + ".uninstall");
        } catch (JepException e) {
            LOG.warn("Could not restore Python's standard streams: {}", e.getMessage());
        }
        try {
            if (!drained.await(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.debug("Python's output readers did not reach the end mark within {} ms", CLOSE_WAIT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
