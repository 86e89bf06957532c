package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptionLineTest {

    static CaptionLine line(String video, int window, Integer windows, String config) {
        return new CaptionLine(video, window, windows, window * 10, window * 10 + 9, window, window + 1.0,
                "a \"caption\"\nwith 视频", "Qwen/Qwen2.5-VL-7B-Instruct", 1, config, 2.5, 5);
    }

    @Test
    void aLineRoundTripsThroughItsJson() {
        CaptionLine l = line("/v/a b.mp4", 2, 3, "abc123");
        CaptionLine back = CaptionLine.parse(l.toJson());
        assertEquals(l, back);
        assertEquals(new ResumeKey("/v/a b.mp4", 2, "abc123"), back.key());
    }

    @Test
    void aLineHasEveryDocumentedField() {
        Map<String, Object> f = Json.parseObject(line("/v/a.mp4", 1, null, "cfg").toJson());
        assertEquals("/v/a.mp4", f.get("video"));
        assertEquals(1L, f.get("window"));
        assertNull(f.get("windows"));
        assertEquals(10L, f.get("first_frame"));
        assertEquals(19L, f.get("last_frame"));
        assertEquals(1.0, f.get("start_seconds"));
        assertEquals(2.0, f.get("end_seconds"));
        assertEquals("Qwen/Qwen2.5-VL-7B-Instruct", f.get("model"));
        assertEquals(1L, f.get("stage"));
        assertEquals("cfg", f.get("config"));
        assertEquals(Map.of("group_seconds", 2.5, "group_windows", 5L, "seconds_per_window", 0.5), f.get("timings"));
    }

    static CaptionLine withFacts(String video, int window, CaptionLine.Facts facts) {
        CaptionLine l = line(video, window, 3, "cfg");
        return new CaptionLine(l.video(), l.window(), l.windows(), l.firstFrame(), l.lastFrame(), l.startSeconds(),
                l.endSeconds(), l.caption(), l.model(), 2, l.config(), l.groupSeconds(), l.groupWindows(), facts);
    }

    static final CaptionLine.Facts CUT = new CaptionLine.Facts("length", true, 1234, 16, 0.012, 0.5, 1.75,
            "the first \"pass\"");

    @Test
    void aLineWithFactsRoundTripsAndNamesItsSchema() {
        for (CaptionLine.Facts f : List.of(CUT, new CaptionLine.Facts(null, false, null, null, null, null, null, null))) {
            CaptionLine l = withFacts("/v/a.mp4", 1, f);
            assertEquals(l, CaptionLine.parse(l.toJson()));
            assertEquals(2, CaptionLine.parse(l.toJson()).schema());
            assertTrue(l.toJson().startsWith(RunFiles.LINE_START + "/v/a.mp4\",\"schema\":2,"), l.toJson());
        }
    }

    @Test
    void aLineWithFactsHasEveryDocumentedField() {
        Map<String, Object> f = Json.parseObject(withFacts("/v/a.mp4", 1, CUT).toJson());
        assertEquals(2L, f.get("schema"));
        assertEquals("the first \"pass\"", f.get("stage1_caption"));
        assertEquals("length", f.get("finish_reason"));
        assertEquals(true, f.get("truncated"));
        assertEquals(1234L, f.get("prompt_tokens"));
        assertEquals(16L, f.get("output_tokens"));
        assertEquals(Map.of("queued_seconds", 0.012, "first_token_seconds", 0.5, "total_seconds", 1.75),
                f.get("engine_timings"));
        Map<String, Object> unknown = Json.parseObject(withFacts("/v/a.mp4", 1,
                new CaptionLine.Facts(null, false, null, null, null, null, null, null)).toJson());
        assertTrue(unknown.containsKey("prompt_tokens") && unknown.get("prompt_tokens") == null, "unknown is null, not 0");
        assertEquals(java.util.Arrays.asList(null, null, null),
                new ArrayList<>(((Map<?, ?>) unknown.get("engine_timings")).values()));
    }

    /** The checked-in line of the version before the facts: read as schema 1, without facts. */
    @Test
    void aLineWithoutSchemaIsAnOlderLineWithoutFacts() throws Exception {
        String first;
        try (var in = CaptionLineTest.class.getResourceAsStream("captions-schema1.jsonl")) {
            first = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        }
        CaptionLine l = CaptionLine.parse(first);
        assertEquals(1, l.schema());
        assertNull(l.facts());
        assertEquals(new ResumeKey("/data/run/a2.mp4", 0, "cfg123"), l.key());
        assertEquals(first, l.toJson(), "a schema-1 line is written back as it was read");
    }

    /**
     * The written line matches {@code docs/schemas/caption-line.schema.json}: the same fields
     * (required and described), each of a type the schema allows, at both levels.
     */
    @Test
    void aLineMatchesItsPublishedJsonSchema() throws Exception {
        Map<String, Object> schema = Json.parseObject(java.nio.file.Files.readString(Path.of("docs/schemas/caption-line.schema.json")));
        for (CaptionLine.Facts facts : List.of(CUT, new CaptionLine.Facts(null, false, null, null, null, null, null, null))) {
            Map<String, Object> line = Json.parseObject(withFacts("/v/a.mp4", 0, facts).toJson());
            conforms(schema, line, "line");
        }
    }

    private static void conforms(Map<?, ?> schema, Map<?, ?> value, String where) {
        Map<?, ?> properties = (Map<?, ?>) schema.get("properties");
        assertTrue(properties.keySet().containsAll(value.keySet()), where + ": fields the schema does not name: " + value.keySet());
        assertEquals(new java.util.TreeSet<>(((List<?>) schema.get("required")).stream().map(String::valueOf).toList()),
                new java.util.TreeSet<>(value.keySet().stream().map(String::valueOf).toList()), where + ": required fields");
        for (Map.Entry<?, ?> e : value.entrySet()) {
            Map<?, ?> p = (Map<?, ?>) properties.get(e.getKey());
            Object v = e.getValue();
            String at = where + "." + e.getKey();
            if (p.containsKey("const")) {
                assertEquals(p.get("const"), v, at);
            } else if (p.containsKey("enum")) {
                assertTrue(((List<?>) p.get("enum")).contains(v), at + " = " + v);
            } else {
                List<?> types = p.get("type") instanceof List<?> l ? l : List.of(p.get("type"));
                assertTrue(types.contains(typeOf(v)), at + " is " + typeOf(v) + ", the schema allows " + types);
                if (v instanceof Map<?, ?> m) {
                    conforms(p, m, at);
                }
            }
        }
    }

    private static String typeOf(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof Long || v instanceof Integer) {
            return "integer";
        }
        return v instanceof Number ? "number" : "other";
    }

    @Test
    void anObjectThatIsNotACaptionLineIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> CaptionLine.parse("{\"video\":\"/a.mp4\"}"));
        assertThrows(IllegalArgumentException.class, () -> CaptionLine.parse("{\"video\":1,\"window\":0,\"first_frame\":0,"
                + "\"last_frame\":1,\"start_seconds\":0,\"end_seconds\":1,\"caption\":\"c\",\"stage\":1,\"config\":\"x\"}"));
    }

    @Test
    void aStructuredLineCarriesCaptionJsonAsAnObjectAndStillResumes() {
        String json = "{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"a \\\"dog\\\"\"}]}";
        CaptionLine l = new CaptionLine("/v/a.mp4", 0, 1, 0, 9, 0, 1, json, "m", 1, "cfg", 1, 1, null, json);
        Map<String, Object> f = Json.parseObject(l.toJson());
        assertEquals(json, f.get("caption"));
        assertEquals(Json.parseObject(json), f.get("caption_json"), "the object itself, not a string");
        assertEquals(l.key(), CaptionLine.parse(l.toJson()).key());
        assertFalse(line("/v/a.mp4", 0, 1, "cfg").toJson().contains("caption_json"), "free text: no such field");
    }
}
