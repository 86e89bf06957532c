package dev.qwenvl.caption;

import java.util.function.BooleanSupplier;

/**
 * Numbered parties pass one at a time, in number order: party {@code n} passes once parties
 * {@code 0..n-1} did ({@link #advance}). The decode lanes take the frame budget and submit their
 * videos through such turns, so that videos prepared in parallel still enter the engine in input
 * order, one lane at a time. Every wait gives up when the stream stops.
 */
final class Turns {
    private int next;

    /**
     * Waits for party {@code index}'s turn; false when {@code stop} turned true first (checked at
     * least every 50 ms). The caller passes the turn on with {@link #advance} or, having stopped,
     * keeps it (the parties behind it then stop too).
     */
    synchronized boolean await(int index, BooleanSupplier stop) throws InterruptedException {
        while (next != index) {
            if (stop.getAsBoolean()) {
                return false;
            }
            wait(50);
        }
        return true;
    }

    /** Ends the current party's turn. */
    synchronized void advance() {
        next++;
        notifyAll();
    }

    /** How many parties passed. */
    synchronized int passed() {
        return next;
    }
}
