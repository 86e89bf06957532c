package dev.qwenvl.bench;

import java.util.Collection;
import java.util.Map;

/** Just enough JSON writing for the benchmark files (no dependency for it). */
final class Json {
    private Json() {}

    static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(string(String.valueOf(e.getKey()))).append(": ").append(value(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof Collection<?> c) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : c) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(value(o));
            }
            return b.append(']').toString();
        }
        throw new IllegalArgumentException("no JSON for " + v.getClass());
    }

    static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
