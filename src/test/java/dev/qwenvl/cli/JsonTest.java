package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void quotesBackslashesAndControlCharactersAreEscaped() {
        assertEquals("\"say \\\"hi\\\" \\\\ there\"", Json.quote("say \"hi\" \\ there"));
        assertEquals("\"a\\nb\\rc\\td\\be\\ff\"", Json.quote("a\nb\rc\td\be\ff"));
        assertEquals("\"\\u0000\\u001f\\u007f\"", Json.quote("\u0000\u001f\u007f"));
    }

    @Test
    void lineAndParagraphSeparatorsAreEscapedSoLinesStayOneLine() {
        assertEquals("\"x\\u2028y\\u2029z\"", Json.quote("x\u2028y\u2029z"));
    }

    @Test
    void nonAsciiTextStaysReadableAndLoneSurrogatesAreEscaped() {
        assertEquals("\"café 视频 \uD83C\uDFA5\"", Json.quote("café 视频 \uD83C\uDFA5"));
        assertEquals("\"a\\ud800b\"", Json.quote("a\uD800b"));
        assertEquals("\"\\udc00\"", Json.quote("\uDC00"));
    }

    @Test
    void everyStringSurvivesARoundTrip() {
        List<String> samples = List.of("", "plain", "\"quoted\"", "back\\slash", "multi\nline\r\n", "tab\tand\u0001",
                "视频 🎥 café", "lone \uD800 high", "lone \uDC00 low", "\u2028\u2029", "); import os; (\"", "$1 \\1 {}");
        for (String s : samples) {
            String line = Json.object(Map.of("v", s));
            assertFalse(line.contains("\n") || line.contains("\r"), "one line: " + line);
            assertEquals(s, Json.parseObject(line).get("v"), line);
        }
    }

    @Test
    void writesNumbersBooleansNullsAndNestedValues() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("i", 3);
        f.put("l", 1L << 40);
        f.put("d", 1.5);
        f.put("nan", Double.NaN);
        f.put("b", true);
        f.put("n", null);
        f.put("m", Map.of("k", "v"));
        f.put("a", Arrays.asList(1, "x", null));
        String line = Json.object(f);
        assertEquals("{\"i\":3,\"l\":1099511627776,\"d\":1.5,\"nan\":null,\"b\":true,\"n\":null,\"m\":{\"k\":\"v\"},"
                + "\"a\":[1,\"x\",null]}", line);
        Map<String, Object> back = Json.parseObject(line);
        assertEquals(3L, back.get("i"));
        assertEquals(1.5, back.get("d"));
        assertEquals(Boolean.TRUE, back.get("b"));
        assertTrue(back.containsKey("n") && back.get("n") == null);
        assertEquals(Map.of("k", "v"), back.get("m"));
        assertEquals(Arrays.asList(1L, "x", null), back.get("a"));
    }

    @Test
    void parsesWhitespaceExponentsAndSlashEscapes() {
        Map<String, Object> m = Json.parseObject(" { \"a\" : -1.5e2 , \"b\" : \"\\/\\u0041\" } ");
        assertEquals(-150.0, m.get("a"));
        assertEquals("/A", m.get("b"));
    }

    @Test
    void malformedTextIsRejectedWithThePosition() {
        for (String bad : List.of("", "[]", "{", "{\"a\":}", "{\"a\":1", "{\"a\":1}x", "{\"a\":\"unterminated}",
                "{\"a\":tru}", "{\"a\":\"\\q\"}", "{\"a\":\"raw\ncontrol\"}", "{\"video\":\"/x.mp4\",\"wind")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON at character "), e.getMessage());
        }
    }
}
