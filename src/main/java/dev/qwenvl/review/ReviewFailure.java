package dev.qwenvl.review;

/**
 * One failed video read from an errors file.
 *
 * @param video   the video's path
 * @param reason  short machine-readable cause (e.g. {@code CORRUPT_STREAM}, {@code ENGINE_DIED})
 * @param message what went wrong and how to fix it
 */
public record ReviewFailure(String video, String reason, String message) {
}
