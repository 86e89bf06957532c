package dev.qwenvl.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of the CLI's JSON-lines files. Reading is Jackson's. Writing is this class's own
 * escaper, because the lines must stay one line and valid UTF-8 whatever a caption holds, which
 * Jackson's writer does not ensure: strings are escaped as RFC 8259 requires ({@code "}, {@code \},
 * every control character below U+0020), plus DEL, U+2028/U+2029 (line breaks for some readers)
 * and lone surrogates (no UTF-8 form; Jackson passes them through) as {@code \}{@code uxxxx};
 * other non-ASCII text stays as it is and is written as UTF-8. Numbers: integers as they are,
 * non-finite doubles as {@code null}.
 */
final class Json {
    private Json() {}

    /** {@code value} as a JSON string literal, quotes included. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        appendQuoted(out, value);
        return out.toString();
    }

    /** An object with the given fields in the given order (values: String, Number, Boolean, Map, List, null). */
    /** JSON text written as it is (a value already checked to be JSON, such as a structured caption). */
    record Raw(String json) {}

    static String object(Map<String, ?> fields) {
        StringBuilder out = new StringBuilder(128);
        appendValue(out, fields);
        return out.toString();
    }

    private static void appendValue(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            appendQuoted(out, s);
        } else if (value instanceof Raw raw) {
            out.append(raw.json());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            out.append(Double.isFinite(d) ? Double.toString(d) : "null");
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendQuoted(out, String.valueOf(e.getKey()));
                out.append(':');
                appendValue(out, e.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendValue(out, list.get(i));
            }
            out.append(']');
        } else {
            appendQuoted(out, value.toString());
        }
    }

    private static void appendQuoted(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == 0x7f) {
                        unicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicodeEscape(out, c); // a lone surrogate has no UTF-8 form
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append(String.format("\\u%04x", (int) c));
    }

    private static final ObjectMapper READER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses one JSON object (Jackson, strict: one object and nothing after it, no raw control
     * characters in strings; integers as {@link Long}, other numbers as {@link Double}).
     *
     * @throws IllegalArgumentException naming the position when {@code text} is not exactly one object
     */
    static Map<String, Object> parseObject(String text) {
        if (text.isBlank() || text.strip().charAt(0) != '{') {
            throw new IllegalArgumentException("invalid JSON at character " + (text.length() - text.stripLeading().length())
                    + ": expected an object");
        }
        try {
            return READER.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (JsonProcessingException e) {
            long at = e.getLocation() != null ? e.getLocation().getCharOffset() : -1;
            throw new IllegalArgumentException("invalid JSON at character " + Math.max(at, 0) + ": " + e.getOriginalMessage(), e);
        }
    }

    /** {@code value} (as {@link #parseObject} returns values) written back as compact JSON text. */
    static String write(Object value) {
        try {
            return READER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value + " as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
