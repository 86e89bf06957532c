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
 * Lines are appended a group at a time, durably ({@link JsonlAppender}).
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
        }
    }

    /** What earlier runs already wrote. */
    ResumeState resumeState() {
        return state;
    }

    /** Appends {@code lines} durably and records them in the resume state. */
    void append(List<CaptionLine> lines) throws IOException {
        List<String> json = new ArrayList<>(lines.size());
        for (CaptionLine l : lines) {
            json.add(l.toJson());
        }
        appender.append(json);
        lines.forEach(state::add);
    }

    Path path() {
        return appender.path();
    }

    @Override
    public void close() throws IOException {
        appender.close();
    }
}
