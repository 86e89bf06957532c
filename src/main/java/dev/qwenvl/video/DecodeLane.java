package dev.qwenvl.video;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * How one video's decode runs on a decode lane: how many threads FFmpeg itself may use for it,
 * and a check that stops it early (the stream stopped: the video is no longer wanted).
 *
 * <p>Thread rule: with {@code lanes} decodes at once on a machine of {@code cores} cores, each
 * decode gets {@code max(1, cores / lanes)} FFmpeg threads ({@link #codecThreads(int, int)}), so
 * lanes x threads never exceeds the cores (one lane alone uses them all; FFmpeg's frame threads
 * beyond the cores only add latency and memory). The frames do not depend on the thread count.
 *
 * @param codecThreads FFmpeg's own decoding threads for this video; 0 leaves the choice to FFmpeg
 * @param cancelled    true once the decode should stop ({@link DecodeCancelledException})
 */
public record DecodeLane(int codecThreads, BooleanSupplier cancelled) {
    /** One decode at a time, FFmpeg's own thread choice, never cancelled. */
    public static final DecodeLane DEFAULT = new DecodeLane(0, () -> false);

    public DecodeLane {
        if (codecThreads < 0) {
            throw new IllegalArgumentException("codecThreads must be 0 (FFmpeg's choice) or more, got " + codecThreads);
        }
        Objects.requireNonNull(cancelled, "cancelled");
    }

    /** FFmpeg threads per decode when {@code lanes} decodes share {@code cores} cores: {@code max(1, cores / lanes)}. */
    public static int codecThreads(int lanes, int cores) {
        if (lanes < 1 || cores < 1) {
            throw new IllegalArgumentException("lanes and cores must be positive, got " + lanes + " and " + cores);
        }
        return Math.max(1, cores / lanes);
    }

    /** {@link #codecThreads(int, int)} over the cores this JVM may use. */
    public static DecodeLane of(int lanes, BooleanSupplier cancelled) {
        return new DecodeLane(codecThreads(lanes, Runtime.getRuntime().availableProcessors()), cancelled);
    }
}
