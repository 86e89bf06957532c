package dev.qwenvl.caption;

/**
 * Bytes of frames in flight, bounded: {@link #acquire} waits until the bytes fit the budget or
 * nothing is held (so one video larger than the budget still runs, alone).
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

    synchronized void release(long bytes) {
        held -= bytes;
        notifyAll();
    }

    synchronized long held() {
        return held;
    }
}
