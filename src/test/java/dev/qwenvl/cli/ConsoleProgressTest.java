package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void onATerminalTheLineIsRedrawnWithCountsRateAndEta() {
        StringWriter sink = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(sink, true), true, 4, clock::get);
        p.start();
        p.windowsPlanned(6);
        clock.set(3_000_000_000L);
        p.windowsDone(6);
        assertEquals("videos 0/4 | windows 6 (6 in this group) | 2.00 windows/s | ETA --:--", p.line());
        p.videosDone(2);
        assertEquals("videos 2/4 | windows 6 | 2.00 windows/s | ETA 0:03", p.line());
        assertTrue(sink.toString().contains("\rvideos 2/4"), sink.toString());
        p.engineHolds(9);
        assertEquals("videos 2/4 | windows 6 | 2.00 windows/s | engine holds 9 | ETA 0:03", p.line());
        p.finish("done");
        assertTrue(sink.toString().endsWith("done" + System.lineSeparator()), sink.toString());
    }

    @Test
    void offATerminalOnlyTheSummaryIsPrinted() {
        StringWriter sink = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(sink, true), false, 2, System::nanoTime);
        p.start();
        p.windowsPlanned(3);
        p.windowsDone(3);
        p.videosDone(2);
        p.finish("summary");
        assertEquals("summary" + System.lineSeparator(), sink.toString());
    }

    @Test
    void durationsReadAsMinutesOrHours() {
        assertEquals("0:42", ConsoleProgress.duration(42));
        assertEquals("1:01:40", ConsoleProgress.duration(3700));
    }
}
