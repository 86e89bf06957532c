package dev.qwenvl.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a run's captions and errors files (JSON lines, as {@code qwenvl caption} writes them).
 * Lenient where the page can still help: a line that is not a caption line is counted and
 * reported on the page, not fatal; facts a line lacks are simply not shown.
 */
final class RunFiles {
    /** Fields every caption line has, shown in their own places on the page (not as facts). */
    private static final List<String> SHOWN = List.of("video", "window", "windows", "first_frame", "last_frame",
            "start_seconds", "end_seconds", "caption", "model", "stage", "config", "caption_json", "truncated");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The readable windows of a captions file, and the lines that were not caption lines. */
    record Captions(List<ReviewWindow> windows, List<String> badLines) {
    }

    private RunFiles() {}

    static Captions readCaptions(Path path) throws IOException {
        List<ReviewWindow> windows = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        forEachLine(path, (text, number) -> {
            try {
                windows.add(window(number, JSON.readTree(text)));
            } catch (IOException | IllegalArgumentException e) {
                bad.add("line " + number + ": " + firstLine(e.getMessage()));
            }
        });
        return new Captions(windows, bad);
    }

    static List<ReviewFailure> readErrors(Path path) throws IOException {
        List<ReviewFailure> failures = new ArrayList<>();
        forEachLine(path, (text, number) -> {
            JsonNode n;
            try {
                n = JSON.readTree(text);
            } catch (IOException e) {
                failures.add(new ReviewFailure(path + " line " + number, "UNREADABLE_LINE", firstLine(e.getMessage())));
                return;
            }
            failures.add(new ReviewFailure(n.path("video").asText("?"), n.path("reason").asText("UNKNOWN"),
                    n.path("message").asText("")));
        });
        return failures;
    }

    /** Calls {@code each} with the number (from 1) and text of every non-blank line of a UTF-8 file. */
    private static void forEachLine(Path path, java.util.function.ObjIntConsumer<String> each) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = in.readLine()) != null) {
                number++;
                if (!text.isBlank()) {
                    each.accept(text, number);
                }
            }
        }
    }

    static ReviewWindow window(int line, JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String caption = text(n, "caption");
        Boolean truncated = null;
        if (n.path("truncated").isBoolean()) {
            truncated = n.get("truncated").booleanValue();
        } else if (n.path("finish_reason").isTextual()) {
            truncated = "length".equals(n.get("finish_reason").asText());
        }
        JsonNode timings = n.path("timings");
        Double seconds = null;
        if (timings.path("window_seconds").isNumber()) {
            seconds = timings.get("window_seconds").doubleValue();
        } else if (timings.path("seconds_per_window").isNumber()) {
            seconds = timings.get("seconds_per_window").doubleValue();
        }
        List<Map.Entry<String, String>> facts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!SHOWN.contains(f.getKey())) {
                addFact(facts, f.getKey(), f.getValue());
            }
        }
        return new ReviewWindow(line, text(n, "video"), integer(n, "window"), integer(n, "first_frame"),
                integer(n, "last_frame"), number(n, "start_seconds"), number(n, "end_seconds"), caption,
                n.path("model").isTextual() ? n.get("model").asText() : null,
                n.path("stage").isInt() ? n.get("stage").intValue() : 1, truncated, seconds,
                structured(n.get("caption_json")), facts);
    }

    /** A structured caption's fields: an object, or a string holding one; anything else gives none. */
    static Map<String, String> structured(JsonNode value) {
        JsonNode object = value;
        if (value != null && value.isTextual()) {
            try {
                object = JSON.readTree(value.asText());
            } catch (IOException e) {
                return Map.of();
            }
        }
        Map<String, String> fields = new LinkedHashMap<>();
        if (object != null && object.isObject()) {
            object.fields().forEachRemaining(f -> fields.put(f.getKey(), show(f.getValue())));
        }
        return fields;
    }

    private static void addFact(List<Map.Entry<String, String>> facts, String name, JsonNode value) {
        if (value.isObject()) {
            value.fields().forEachRemaining(f -> addFact(facts, name + "." + f.getKey(), f.getValue()));
        } else if (!value.isNull()) {
            facts.add(Map.entry(name, show(value)));
        }
    }

    private static String show(JsonNode value) {
        return value.isTextual() ? value.asText() : value.toString();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not text");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a whole number");
        }
        return v.intValue();
    }

    private static double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not a number");
        }
        return v.doubleValue();
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
