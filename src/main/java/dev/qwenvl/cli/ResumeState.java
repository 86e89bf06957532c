package dev.qwenvl.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What an earlier run already wrote: the keys of its lines, and which videos are complete for a
 * given configuration (a line says the video has {@code n} windows, and windows {@code 0..n-1}
 * all have lines).
 */
final class ResumeState {
    private final Set<ResumeKey> keys = new HashSet<>();
    private final Map<String, Integer> windowCounts = new HashMap<>(); // "config\0video" -> windows

    private int duplicates;

    /** Records {@code line}; false (and counted as a duplicate) when its key was there already. */
    boolean add(CaptionLine line) {
        boolean fresh = keys.add(line.key());
        if (!fresh) {
            duplicates++;
        }
        if (line.windows() != null) {
            windowCounts.put(line.config() + '\0' + line.video(), line.windows());
        }
        return fresh;
    }

    /**
     * Lines read whose key (video, window, settings) an earlier line had: two runs wrote to one
     * output at once (before runs locked their output).
     */
    int duplicates() {
        return duplicates;
    }

    boolean contains(ResumeKey key) {
        return keys.contains(key);
    }

    /** True when every window of {@code video} has a line for {@code config}. */
    boolean isComplete(String video, String config) {
        Integer n = windowCounts.get(config + '\0' + video);
        if (n == null) {
            return false;
        }
        for (int w = 0; w < n; w++) {
            if (!keys.contains(new ResumeKey(video, w, config))) {
                return false;
            }
        }
        return true;
    }

    /** Number of distinct lines read. */
    int size() {
        return keys.size();
    }
}
