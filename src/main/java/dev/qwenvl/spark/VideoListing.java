package dev.qwenvl.spark;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The videos an input names, as fully qualified URIs ({@code file:/...}, {@code s3a://...}), read
 * through Hadoop's FileSystem on the driver:
 * <ul>
 *   <li>a folder: every file under it, recursively, with a video extension;</li>
 *   <li>a file with a video extension: that video;</li>
 *   <li>any other file: a text file of video paths or URIs, one per line (blank lines and lines
 *       starting with {@code #} are skipped; a path without a scheme is on the list's file system,
 *       and a relative one is resolved against the list's folder).</li>
 * </ul>
 */
final class VideoListing {
    private final Configuration hadoop;
    private final List<String> extensions;

    VideoListing(Configuration hadoop, List<String> extensions) {
        this.hadoop = hadoop;
        this.extensions = extensions.stream().map(e -> e.toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * The videos of {@code inputs}, sorted and without duplicates (so the job's partitions, and
     * with them a retried task's input, are the same on every run).
     *
     * @throws IllegalArgumentException when an input does not exist or names no video
     */
    List<String> list(List<String> inputs) throws IOException {
        TreeSet<String> videos = new TreeSet<>();
        for (String input : inputs) {
            Path path = new Path(input);
            FileSystem fs = path.getFileSystem(hadoop);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new IllegalArgumentException("input " + input + " does not exist (" + fs.makeQualified(path)
                        + "); pass a folder of videos, a video, or a text file of video paths");
            }
            List<String> found = new ArrayList<>();
            if (status.isDirectory()) {
                RemoteIterator<LocatedFileStatus> files = fs.listFiles(status.getPath(), true);
                while (files.hasNext()) {
                    LocatedFileStatus f = files.next();
                    if (f.isFile() && isVideo(f.getPath())) {
                        found.add(f.getPath().toString());
                    }
                }
            } else if (isVideo(status.getPath())) {
                found.add(status.getPath().toString());
            } else {
                found.addAll(readList(fs, status.getPath()));
            }
            if (found.isEmpty()) {
                throw new IllegalArgumentException("no videos in " + input + " (looked for files ending in "
                        + String.join(", ", extensions) + ", or lines naming videos in a text file)");
            }
            videos.addAll(found);
        }
        return List.copyOf(videos);
    }

    private List<String> readList(FileSystem fs, Path list) throws IOException {
        List<String> paths = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(list), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String entry = line.strip();
                if (entry.isEmpty() || entry.startsWith("#")) {
                    continue;
                }
                Path p = new Path(entry);
                if (p.toUri().getScheme() != null) {
                    paths.add(p.toString()); // a URI: as written
                    continue;
                }
                // a path: on the list's file system, relative ones against the list's folder
                paths.add(fs.makeQualified(p.isAbsolute() ? p : new Path(list.getParent(), p)).toString());
            }
        }
        return paths;
    }

    private boolean isVideo(Path p) {
        String name = p.getName();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && extensions.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
