package dev.qwenvl.caption;

/**
 * Bytes of frames in flight, bounded: {@link #acquire} waits until the bytes fit the budget or
 * nothing is held (so one video larger than the budget still runs, alone). The stream acquires a
 * video's bytes before its decode starts, from its plan, and {@link #adjust}s them to what the
 * decode really holds once it ended.
 */
final class FrameBudget {
    private final long budget;
    private long held;

    FrameBudget(long budget) {
        this.budget = budget;
    }

    /** Waits for room; false when {@code stop} turned true first. */
    synchronized boolean acquire(long bytes, java.util.function.BooleanSupplier stop) throws InterruptedException {
        while (held > 0 && held + bytes > budget) {
            if (stop.getAsBoolean()) {
                return false;
            }
            wait(50);
        }
        held += bytes;
        return true;
    }

    /** Counts {@code delta} more bytes (less when negative) without waiting: a decode held other than planned. */
    synchronized void adjust(long delta) {
        held += delta;
        notifyAll();
    }

    synchronized void release(long bytes) {
        held -= bytes;
        notifyAll();
    }

    synchronized long held() {
        return held;
    }
}
