package dev.qwenvl.cli;

/**
 * What a caption run did.
 *
 * @param videos       videos found
 * @param skipped      videos already complete in the output
 * @param captioned    videos captioned completely in this run
 * @param failed       videos that failed (wholly or in part) in this run
 * @param windows      caption lines written in this run
 * @param seconds      wall-clock seconds of the captioning
 */
record RunSummary(int videos, int skipped, int captioned, int failed, long windows, double seconds) {

    double captionsPerSecond() {
        return seconds > 0 ? windows / seconds : 0;
    }
}
