package dev.qwenvl.cli;

/**
 * What makes a caption line "already done": the same video, the same window, captioned with the
 * same settings (see {@link RunFingerprint}). Lines of another configuration do not count.
 *
 * @param video       absolute path of the video, as written in the output
 * @param windowIndex the window's index in its video
 * @param config      the run fingerprint
 */
record ResumeKey(String video, int windowIndex, String config) {}
