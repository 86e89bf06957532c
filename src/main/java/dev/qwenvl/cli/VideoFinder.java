package dev.qwenvl.cli;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns the command line's inputs into the list of videos: a file is taken as it is (whatever its
 * extension); a folder is searched recursively, following links, for files with a video extension
 * ({@link #EXTENSIONS}, any case). Paths come back absolute and normalised, without duplicates,
 * folders' files in sorted order, so every run sees the same order. What a folder holds that is
 * not taken is reported, never dropped silently: {@link Scan#skipped()} says which files and why.
 */
final class VideoFinder {
    static final List<String> EXTENSIONS = List.of("mp4", "mkv", "webm", "avi", "mov", "m4v");

    /** Why a file inside a folder was not taken. */
    enum SkipReason {
        NOT_A_VIDEO_EXTENSION("without a video extension"),
        DANGLING_LINK("links to nothing"),
        NOT_A_REGULAR_FILE("not regular files"),
        UNREADABLE("unreadable"),
        LINK_LOOP("folder links that loop");

        private final String description;

        SkipReason(String description) {
            this.description = description;
        }

        String description() {
            return description;
        }
    }

    record Skipped(Path path, SkipReason reason) {}

    /** The videos found, and the files inside the folders that were passed over. */
    record Scan(List<Path> videos, List<Skipped> skipped) {
        /** "3 files skipped: 2 without a video extension, 1 links to nothing", or "" when none were. */
        String skipSummary() {
            if (skipped.isEmpty()) {
                return "";
            }
            Map<SkipReason, Integer> counts = new LinkedHashMap<>();
            for (SkipReason r : SkipReason.values()) {
                int n = (int) skipped.stream().filter(s -> s.reason() == r).count();
                if (n > 0) {
                    counts.put(r, n);
                }
            }
            List<String> parts = new ArrayList<>();
            counts.forEach((r, n) -> parts.add(n + " " + r.description()));
            return skipped.size() + (skipped.size() == 1 ? " file" : " files") + " in the input folders skipped: "
                    + String.join(", ", parts);
        }
    }

    private VideoFinder() {}

    /** The videos only; see {@link #scan}. */
    static List<Path> find(List<Path> inputs) throws IOException {
        return scan(inputs).videos();
    }

    /**
     * @throws IllegalArgumentException naming an input that does not exist
     * @throws IOException              when a folder given on the command line cannot be read
     */
    static Scan scan(List<Path> inputs) throws IOException {
        Set<Path> found = new LinkedHashSet<>();
        List<Skipped> skipped = new ArrayList<>();
        for (Path input : inputs) {
            Path abs = input.toAbsolutePath().normalize();
            if (Files.isDirectory(abs)) {
                List<Path> inFolder = new ArrayList<>();
                walk(abs, inFolder, skipped);
                inFolder.stream().sorted().forEach(found::add);
            } else if (Files.exists(abs)) {
                found.add(abs);
            } else {
                throw new IllegalArgumentException("input " + input + " does not exist (absolute path: " + abs
                        + "); pass video files or folders that hold videos");
            }
        }
        skipped.sort((a, b) -> a.path().compareTo(b.path()));
        return new Scan(new ArrayList<>(found), List.copyOf(skipped));
    }

    private static void walk(Path folder, List<Path> videos, List<Skipped> skipped) throws IOException {
        Files.walkFileTree(folder, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isSymbolicLink()) { // a link that could not be followed
                    skipped.add(new Skipped(file, SkipReason.DANGLING_LINK));
                } else if (!attrs.isRegularFile()) {
                    skipped.add(new Skipped(file, SkipReason.NOT_A_REGULAR_FILE));
                } else if (!hasVideoExtension(file)) {
                    skipped.add(new Skipped(file, SkipReason.NOT_A_VIDEO_EXTENSION));
                } else {
                    videos.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(folder)) {
                    throw e;
                }
                skipped.add(new Skipped(file, e instanceof FileSystemLoopException ? SkipReason.LINK_LOOP : SkipReason.UNREADABLE));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static boolean hasVideoExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
