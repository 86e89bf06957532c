package dev.qwenvl.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The captions output of a run: opened for appending after removing a torn last line and reading
 * what earlier runs wrote ({@link #resumeState()}), so a rerun skips windows already captioned.
 * Lines are appended a group at a time, durably ({@link JsonlAppender}); a window that has a line
 * is never written again, and duplicates an older version left (two runs on one output, before
 * {@link OutputLock}) are reported when the file is read.
 */
final class CaptionsFile implements AutoCloseable {
    private final JsonlAppender appender;
    private final ResumeState state;

    private CaptionsFile(JsonlAppender appender, ResumeState state) {
        this.appender = appender;
        this.state = state;
    }

    /**
     * Repairs, reads and opens {@code path}; tells {@code notices} what it repaired or ignored.
     *
     * @throws IOException when the file cannot be read or written
     */
    static CaptionsFile open(Path path, PrintWriter notices) throws IOException {
        long removed = JsonlAppender.repairTornTail(path);
        if (removed > 0) {
            notices.println(path + ": removed a torn last line (" + removed + " bytes) that an interrupted run left;"
                    + " its windows will be captioned again");
        }
        ResumeState state = new ResumeState();
        if (Files.exists(path)) {
            read(path, state, notices);
        }
        return new CaptionsFile(JsonlAppender.open(path), state);
    }

    private static void read(Path path, ResumeState state, PrintWriter notices) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(path), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            int bad = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    state.add(CaptionLine.parse(line));
                } catch (IllegalArgumentException e) {
                    if (bad++ < 3) {
                        notices.println(path + ": line " + number + " is not a caption line (" + e.getMessage()
                                + "); it is kept but ignored for resuming");
                    }
                }
            }
            if (bad > 3) {
                notices.println(path + ": " + bad + " lines in all are not caption lines");
            }
            if (state.duplicates() > 0) {
                notices.println(path + ": " + state.duplicates() + " lines repeat a window that an earlier line already"
                        + " has (two runs wrote to this file at once, before runs locked their output); they are kept"
                        + " as they are, and no window that has a line is written again");
            }
        }
    }

    /** What earlier runs already wrote. */
    ResumeState resumeState() {
        return state;
    }

    /**
     * Appends durably those of {@code lines} whose window has no line yet (in the file or earlier
     * in {@code lines}), and records them in the resume state: a window is never written twice.
     *
     * @return how many lines were written
     */
    int append(List<CaptionLine> lines) throws IOException {
        List<String> json = new ArrayList<>(lines.size());
        List<CaptionLine> fresh = new ArrayList<>(lines.size());
        java.util.Set<ResumeKey> seen = new java.util.HashSet<>();
        for (CaptionLine l : lines) {
            if (!state.contains(l.key()) && seen.add(l.key())) {
                fresh.add(l);
                json.add(l.toJson());
            }
        }
        appender.append(json);
        fresh.forEach(state::add);
        return fresh.size();
    }

    Path path() {
        return appender.path();
    }

    @Override
    public void close() throws IOException {
        appender.close();
    }
}
