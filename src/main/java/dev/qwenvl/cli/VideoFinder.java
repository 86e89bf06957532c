package dev.qwenvl.cli;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns the command line's inputs into the list of videos: a file is taken as it is (whatever its
 * extension); a folder is searched recursively for files with a video extension
 * ({@link #EXTENSIONS}, any case). Paths come back absolute and normalised, without duplicates,
 * folders' files in sorted order, so every run sees the same order.
 */
final class VideoFinder {
    static final List<String> EXTENSIONS = List.of("mp4", "mkv", "webm", "avi", "mov", "m4v");

    private VideoFinder() {}

    /**
     * @throws IllegalArgumentException naming an input that does not exist
     * @throws IOException              when a folder cannot be read
     */
    static List<Path> find(List<Path> inputs) throws IOException {
        Set<Path> found = new LinkedHashSet<>();
        for (Path input : inputs) {
            Path abs = input.toAbsolutePath().normalize();
            if (Files.isDirectory(abs)) {
                try (Stream<Path> walk = Files.walk(abs, FileVisitOption.FOLLOW_LINKS)) {
                    walk.filter(Files::isRegularFile).filter(VideoFinder::hasVideoExtension).sorted().forEach(found::add);
                }
            } else if (Files.exists(abs)) {
                found.add(abs);
            } else {
                throw new IllegalArgumentException("input " + input + " does not exist (absolute path: " + abs
                        + "); pass video files or folders that hold videos");
            }
        }
        return new ArrayList<>(found);
    }

    static boolean hasVideoExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
