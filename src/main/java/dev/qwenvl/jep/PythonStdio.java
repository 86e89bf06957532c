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
import jep.Interpreter;
import jep.JepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java half of {@code qwenvl_bridge.stdio}: Python's {@code sys.stdout} and {@code sys.stderr}
 * write to OS pipes (so {@code fileno()} works), and one Java thread per pipe forwards each line to
 * SLF4J ({@code python.stdout} at INFO, {@code python.stderr} at WARN).
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

    private final List<Thread> readers;

    private PythonStdio(List<Thread> readers) {
        this.readers = readers;
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
            return new PythonStdio(List.of());
        }
        py.invoke(MODULE + ".release", fds); // Java holds its own descriptors now
        List<Thread> readers = List.of(
                reader(streams.get(0), new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stdout"), false), "stdout"),
                reader(streams.get(1), new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stderr"), true), "stderr"));
        readers.forEach(Thread::start);
        return new PythonStdio(readers);
    }

    private static Path descriptorPath(int fd) {
        Path proc = Path.of("/proc/self/fd", Integer.toString(fd));
        return Files.exists(proc) ? proc : Path.of("/dev/fd", Integer.toString(fd));
    }

    private static Thread reader(InputStream in, OutputStream lines, String name) {
        Thread t = new Thread(() -> pump(in, lines), "qwenvl-python-" + name);
        t.setDaemon(true); // never holds the JVM open; ends at EOF when Python closes the write end
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

    /** Puts JEP's streams back, closes the pipes and waits briefly for the readers to finish. */
    void close(Interpreter py) {
        if (readers.isEmpty()) {
            return;
        }
        try {
            py.invoke(MODULE + ".uninstall");
        } catch (JepException e) {
            LOG.warn("Could not restore Python's standard streams: {}", e.getMessage());
        }
        for (Thread t : readers) {
            try {
                t.join(5_000); // a child process that inherited a copy could keep a pipe open; they are daemons
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
