package dev.qwenvl.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the small JSON documents the library ships (the model family description): objects,
 * arrays, strings with the standard escapes, numbers (as {@code Long} or {@code Double}), booleans
 * and null. Not a general-purpose parser: no streaming, no limits, trusted input.
 */
final class SimpleJson {
    private final String s;
    private int pos;

    private SimpleJson(String s) {
        this.s = s;
    }

    /** The one object {@code text} holds; {@link IllegalArgumentException} naming the position otherwise. */
    static Map<String, Object> parseObject(String text) {
        SimpleJson p = new SimpleJson(text);
        p.space();
        if (p.peek() != '{') {
            throw p.error("expected an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) p.value();
        p.space();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the object");
        }
        return result;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void space() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at character " + pos + ": " + what);
    }

    private void expect(char c) {
        space();
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private Object value() {
        space();
        char c = peek();
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return string();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (s.startsWith(word, pos)) {
                pos += word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        throw error(pos >= s.length() ? "unexpected end" : "unexpected character '" + c + "'");
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> map = new LinkedHashMap<>();
        space();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            space();
            String key = string();
            expect(':');
            map.put(key, value());
            space();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return map;
            }
        }
    }

    private List<Object> array() {
        expect('[');
        List<Object> list = new ArrayList<>();
        space();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value());
            space();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return list;
            }
        }
    }

    private String string() {
        if (peek() != '"') {
            throw error("expected a string");
        }
        pos++;
        StringBuilder out = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> out.append(e);
            }
        }
        throw error("unterminated string");
    }

    private Number number() {
        int start = pos;
        while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
            pos++;
        }
        String n = s.substring(start, pos);
        if (n.contains(".") || n.contains("e") || n.contains("E")) {
            return Double.valueOf(n);
        }
        return Long.valueOf(n);
    }
}
