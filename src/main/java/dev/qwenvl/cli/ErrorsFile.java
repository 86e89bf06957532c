package dev.qwenvl.cli;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.video.VideoInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The errors output: one JSON line per video that failed in this run (path, reason, message).
 * Emptied when a run starts, because a rerun tries failed videos again: the file always lists the
 * failures of the latest run.
 */
final class ErrorsFile implements AutoCloseable {
    private final JsonlAppender appender;
    private int count;

    private ErrorsFile(JsonlAppender appender) {
        this.appender = appender;
    }

    static ErrorsFile open(Path path) throws IOException {
        return new ErrorsFile(JsonlAppender.openTruncated(path));
    }

    /** The JSON line for a failed video. */
    static String line(String video, Throwable error) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("video", video);
        f.put("reason", reason(error));
        f.put("message", String.valueOf(error.getMessage()));
        f.put("error", error.getClass().getSimpleName());
        return Json.object(f);
    }

    /** A short machine-readable cause: the video reason, ENGINE_DIED, ENGINE_ERROR, or the exception's class. */
    static String reason(Throwable error) {
        if (error instanceof VideoInputException v) {
            return v.reason().name();
        }
        if (error instanceof EngineDiedException) {
            return "ENGINE_DIED";
        }
        if (error instanceof EngineException) {
            return "ENGINE_ERROR";
        }
        return error.getClass().getSimpleName();
    }

    void append(List<String> lines) throws IOException {
        if (InterruptNotice.stopping()) {
            return; // a video the JVM's shutdown cut short did not fail: the next run does it
        }
        appender.append(lines);
        count += lines.size();
    }

    /** Videos reported in this run. */
    int count() {
        return count;
    }

    Path path() {
        return appender.path();
    }

    @Override
    public void close() throws IOException {
        appender.close();
    }
}
