package dev.qwenvl.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns {@code --engine-arg name=value} strings into typed values for vLLM: {@code true}/{@code
 * false} become booleans, integers become Integer (Long when large), decimals become Double,
 * anything else stays a string.
 */
final class EngineArgValues {
    private EngineArgValues() {}

    static Map<String, Object> parse(Map<String, String> raw) {
        Map<String, Object> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.trim(), value(v)));
        return out;
    }

    static Object value(String text) {
        String v = text.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.equals("true") || lower.equals("false")) {
            return Boolean.parseBoolean(lower);
        }
        if (v.matches("[-+]?\\d+")) {
            try {
                long l = Long.parseLong(v);
                return l == (int) l ? (Object) (int) l : (Object) l;
            } catch (NumberFormatException tooBig) {
                return v;
            }
        }
        if (v.matches("[-+]?(\\d+\\.\\d*|\\.\\d+|\\d+(\\.\\d*)?[eE][-+]?\\d+)")) {
            return Double.parseDouble(v);
        }
        return text;
    }
}
