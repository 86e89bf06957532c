package dev.qwenvl.cli;

import static dev.qwenvl.cli.CaptionLineTest.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.TestPython;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputLockTest {

    /** Holds a POSIX lock on the lock file of argv[1] (as another run would), says "locked", waits for stdin to close. */
    private static final String HOLD = String.join("\n",
            "import fcntl, os, sys",
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)",
            "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
            "if len(sys.argv) > 2:",
            "    os.ftruncate(fd, 0); os.write(fd, sys.argv[2].encode() + b'\\n')",
            "print('locked', flush=True)",
            "sys.stdin.read()");

    private static Process holdLock(Path lockFile, String record) throws Exception {
        List<String> cmd = record == null ? List.of(TestPython.python().toString(), "-c", HOLD, lockFile.toString())
                : List.of(TestPython.python().toString(), "-c", HOLD, lockFile.toString(), record);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertEquals("locked", first, "the holder took the lock");
        return p;
    }

    private static void end(Process p) throws Exception {
        p.getOutputStream().close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    /** The pid of a process that has ended (its record is what a kill -9 leaves in a lock file). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.pid();
    }

    @Test
    void aRunLocksItsOutputAndErrorsFileAndWritesWhoItIs(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub/captions.jsonl");
        Path errors = dir.resolve("sub/captions.errors.jsonl");
        try (OutputLock lock = OutputLock.acquire(out, errors)) {
            assertEquals(List.of(dir.resolve("sub/captions.jsonl.lock"), dir.resolve("sub/captions.errors.jsonl.lock")),
                    lock.lockFiles());
            OutputLock.Holder h = OutputLock.Holder.parse(Files.readString(lock.lockFiles().get(0))).orElseThrow();
            assertEquals(ProcessHandle.current().pid(), h.pid());
            assertEquals(OutputLock.hostName(), h.host());
            assertTrue(h.plausiblyAlive());
            CliFailure again = assertThrows(CliFailure.class, () -> OutputLock.acquire(out, dir.resolve("other.jsonl")));
            assertEquals(ExitCodes.CANNOT_START, again.exitCode());
            assertTrue(again.getMessage().contains("the output " + out + " is in use by another qwenvl caption run (pid "
                    + ProcessHandle.current().pid() + " on "), again.getMessage());
        }
        assertEquals(0, Files.size(dir.resolve("sub/captions.jsonl.lock")), "a clean end leaves no holder named");
        try (OutputLock again = OutputLock.acquire(out, errors)) {
            assertEquals(2, again.lockFiles().size(), "released: the next run takes it");
        }
    }

    @Test
    void aSecondProcessOnTheSameOutputIsRefusedNamingTheHolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("captions.jsonl");
        Instant started = Instant.parse("2026-12-06T01:02:03Z");
        ProcessHandle self = ProcessHandle.current(); // a live process of this host stands for the holder
        String record = new OutputLock.Holder(self.pid(), OutputLock.hostName(), started,
                self.info().startInstant().orElse(null)).toJson();
        Process holder = holdLock(OutputLock.lockFileOf(out), record);
        try {
            CliFailure e = assertThrows(CliFailure.class, () -> OutputLock.acquire(out, dir.resolve("e.jsonl")));
            assertEquals(ExitCodes.CANNOT_START, e.exitCode());
            assertTrue(e.getMessage().contains("pid " + self.pid() + " on " + OutputLock.hostName()
                    + ", started 2026-12-06T01:02:03Z"), e.getMessage());
            assertFalse(Files.exists(OutputLock.lockFileOf(dir.resolve("e.jsonl"))) && Files.size(
                    OutputLock.lockFileOf(dir.resolve("e.jsonl"))) > 0, "the errors file was not locked either");
        } finally {
            end(holder);
        }
        try (OutputLock lock = OutputLock.acquire(out, dir.resolve("e.jsonl"))) {
            assertEquals(2, lock.lockFiles().size());
        }
    }

    @Test
    void theErrorsFileIsLockedToo(@TempDir Path dir) throws Exception {
        Path errors = dir.resolve("shared.errors.jsonl");
        Process holder = holdLock(OutputLock.lockFileOf(errors), null);
        try {
            CliFailure e = assertThrows(CliFailure.class, () -> OutputLock.acquire(dir.resolve("a.jsonl"), errors));
            assertTrue(e.getMessage().contains("the errors file " + errors + " is in use"), e.getMessage());
            try (OutputLock free = OutputLock.acquire(dir.resolve("a.jsonl"), dir.resolve("a.errors.jsonl"))) {
                assertEquals(2, free.lockFiles().size(), "the output lock was given back when the errors file was refused");
            }
        } finally {
            end(holder);
        }
    }

    @Test
    void aKilledRunsLockFileDoesNotBlockTheNextRunAndIsReplaced(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("captions.jsonl");
        long dead = deadPid();
        Files.writeString(OutputLock.lockFileOf(out), new OutputLock.Holder(dead, OutputLock.hostName(),
                Instant.now(), null).toJson() + "\n");
        try (OutputLock lock = OutputLock.acquire(out, dir.resolve("captions.errors.jsonl"))) {
            OutputLock.Holder h = OutputLock.Holder.parse(Files.readString(OutputLock.lockFileOf(out))).orElseThrow();
            assertEquals(ProcessHandle.current().pid(), h.pid(), "the stale record was replaced");
        }
    }

    @Test
    void aKilledRunsStaleRecordIsNeverNamedAsTheHolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("captions.jsonl");
        long dead = deadPid();
        // a live process holds the lock but has not replaced the killed run's record yet
        Process holder = holdLock(OutputLock.lockFileOf(out), new OutputLock.Holder(dead, OutputLock.hostName(),
                Instant.now(), null).toJson());
        try {
            assertFalse(new OutputLock.Holder(dead, OutputLock.hostName(), Instant.now(), null).plausiblyAlive());
            CliFailure e = assertThrows(CliFailure.class, () -> OutputLock.acquire(out, dir.resolve("e.jsonl")));
            assertFalse(e.getMessage().contains("pid " + dead), e.getMessage());
            assertTrue(e.getMessage().contains("has not written its pid into the lock file yet"), e.getMessage());
        } finally {
            end(holder);
        }
    }

    @Test
    void aReusedPidWithAnotherStartTimeIsNotTheHolder() {
        ProcessHandle self = ProcessHandle.current();
        Instant start = self.info().startInstant().orElseThrow();
        assertTrue(new OutputLock.Holder(self.pid(), OutputLock.hostName(), Instant.now(), start).plausiblyAlive());
        assertFalse(new OutputLock.Holder(self.pid(), OutputLock.hostName(), Instant.now(), start.minusSeconds(3600))
                .plausiblyAlive());
        assertTrue(new OutputLock.Holder(1, "some-other-host.example", Instant.now(), null).plausiblyAlive(),
                "another host's record is believed");
        assertEquals(Optional.empty(), OutputLock.Holder.parse("{\"pid\":12,\"ho"), "a record being written is no record");
        assertEquals(Optional.empty(), OutputLock.Holder.parse(""));
    }

    @Test
    void duplicateLinesFromAnOlderVersionAreReportedAndNoWindowIsWrittenAgain(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("captions.jsonl");
        String a0 = line("/v/a.mp4", 0, 2, "cfg").toJson();
        String a1 = line("/v/a.mp4", 1, 2, "cfg").toJson();
        Files.writeString(f, a0 + "\n" + a1 + "\n" + a0 + "\n" + a1 + "\n" + a0 + "\n");
        StringWriter notices = new StringWriter();
        try (CaptionsFile out = CaptionsFile.open(f, new PrintWriter(notices, true))) {
            assertTrue(notices.toString().contains("3 lines repeat a window"), notices.toString());
            assertEquals(2, out.resumeState().size());
            assertEquals(0, out.append(List.of(line("/v/a.mp4", 0, 2, "cfg"), line("/v/a.mp4", 1, 2, "cfg"))));
            assertEquals(1, out.append(List.of(line("/v/b.mp4", 0, 1, "cfg"), line("/v/b.mp4", 0, 1, "cfg"))),
                    "a window twice in one append is written once");
        }
        assertEquals(6, Files.readAllLines(f).size(), "the old duplicates are kept as they were, one new line");
    }
}
