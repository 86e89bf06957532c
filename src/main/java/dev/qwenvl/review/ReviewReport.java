package dev.qwenvl.review;

import java.nio.file.Path;

/**
 * What {@link ReviewPage#write(Path)} wrote.
 *
 * @param page          the HTML file
 * @param bytes         its size
 * @param videos        videos with a window on the page
 * @param windows       windows on the page
 * @param windowsInFile windows in the captions file (more than {@code windows} when sampled)
 * @param failures      failed videos listed from the errors file
 * @param thumbnails    pictures embedded
 * @param placeholders  windows shown with a placeholder instead of pictures (video gone or changed)
 * @param seconds       wall-clock seconds it took, reading and thumbnails included
 */
public record ReviewReport(Path page, long bytes, int videos, int windows, int windowsInFile, int failures,
                           int thumbnails, int placeholders, double seconds) {
}
