package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.video.VideoSource;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The executor's close at JVM exit ({@link ExecutorCaptioners#closeWithin}): bounded, and logged either way. */
class ExecutorShutdownTest {

    /** A captioner whose close runs {@code onClose}. */
    private static ExecutorCaptioner closing(Runnable onClose) {
        return new ExecutorCaptioner() {
            @Override
            public List<VideoCaptions> caption(List<VideoSource> sources) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
                onClose.run();
            }
        };
    }

    private static List<String> messages(LogCapture log, Level level) {
        return log.events(level).stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aCloseThatEndsIsLoggedWithItsTime() {
        AtomicInteger closes = new AtomicInteger();
        try (LogCapture log = LogCapture.of(ExecutorCaptioners.class, Level.INFO)) {
            assertTrue(ExecutorCaptioners.closeWithin(closing(closes::incrementAndGet), 5_000));
            assertEquals(1, closes.get());
            List<String> info = messages(log, Level.INFO);
            assertEquals(1, info.size(), info.toString());
            assertTrue(info.get(0).matches("Spark executor shutdown: closed the captioner in \\d+\\.\\d s"), info.get(0));
            assertTrue(messages(log, Level.WARN).isEmpty());
        }
    }

    @Test
    @Timeout(20) // an unbounded wait fails here instead of hanging the build
    void aCloseThatHangsDoesNotHoldTheExitPastTheBudgetAndSaysSo() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ExecutorCaptioner stuck = closing(() -> {
            entered.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (LogCapture log = LogCapture.of(ExecutorCaptioners.class, Level.INFO)) {
            long t0 = System.nanoTime();
            assertFalse(ExecutorCaptioners.closeWithin(stuck, 300));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(entered.await(5, TimeUnit.SECONDS), "the close was started");
            assertTrue(seconds >= 0.29 && seconds < 3, "returned after the budget, not later: " + seconds + " s");
            List<String> warn = messages(log, Level.WARN);
            assertEquals(1, warn.size(), warn.toString());
            assertTrue(warn.get(0).contains("did not end within 0.3 s"), warn.get(0));
            assertTrue(messages(log, Level.INFO).isEmpty(), "no 'closed' line for a close that did not end");
        } finally {
            never.countDown();
        }
    }

    @Test
    void aCloseThatThrowsIsAWarningWithTheCause() {
        try (LogCapture log = LogCapture.of(ExecutorCaptioners.class, Level.INFO)) {
            assertFalse(ExecutorCaptioners.closeWithin(closing(() -> {
                throw new IllegalStateException("engine gone");
            }), 5_000));
            List<String> warn = messages(log, Level.WARN);
            assertEquals(1, warn.size(), warn.toString());
            assertTrue(warn.get(0).contains("closing the captioner failed") && warn.get(0).contains("engine gone"),
                    warn.get(0));
        }
    }

    @Test
    void theBudgetIsTheLibrarysShutdownBudgetInsideSparksGrace() {
        String before = System.getProperty("qwenvl.shutdown.seconds");
        try {
            System.clearProperty("qwenvl.shutdown.seconds");
            assertEquals(7_000, ExecutorCaptioners.shutdownMillis());
            System.setProperty("qwenvl.shutdown.seconds", "3");
            assertEquals(3_000, ExecutorCaptioners.shutdownMillis());
        } finally {
            if (before == null) {
                System.clearProperty("qwenvl.shutdown.seconds");
            } else {
                System.setProperty("qwenvl.shutdown.seconds", before);
            }
        }
    }
}
