package dev.qwenvl.model;

/**
 * Told how a weights download advances, about twice a second while bytes arrive. Called on the
 * embedded interpreter's thread: return quickly and do not call back into the library.
 */
@FunctionalInterface
public interface DownloadProgress {

    /**
     * @param doneBytes  bytes complete so far (files present before the download count as done)
     * @param totalBytes size of the whole snapshot
     */
    void report(long doneBytes, long totalBytes);

    DownloadProgress NONE = (done, total) -> {};
}
