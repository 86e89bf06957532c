package dev.qwenvl.caption;

/** Told how captioning advances; called on the captioning thread. All methods default to nothing. */
public interface CaptionProgress {

    /**
     * {@code windows} windows of the current group were prepared and are about to be captioned.
     * Not called by the captioner any more: it streams, and windows are not planned ahead.
     */
    default void windowsPlanned(int windows) {}

    /** {@code windows} more windows were captioned (or failed). */
    default void windowsDone(int windows) {}

    /** The engine holds {@code requests} requests now (queued or running); told while streaming. */
    default void engineHolds(long requests) {}

    CaptionProgress NONE = new CaptionProgress() {};
}
