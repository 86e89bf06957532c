package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void anObjectThatIsNotACaptionLineIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> CaptionLine.parse("{\"video\":\"/a.mp4\"}"));
        assertThrows(IllegalArgumentException.class, () -> CaptionLine.parse("{\"video\":1,\"window\":0,\"first_frame\":0,"
                + "\"last_frame\":1,\"start_seconds\":0,\"end_seconds\":1,\"caption\":\"c\",\"stage\":1,\"config\":\"x\"}"));
    }

    @Test
    void aStructuredLineCarriesCaptionJsonAsAnObjectAndStillResumes() {
        String json = "{\"events\":[{\"start_seconds\":0,\"end_seconds\":1,\"description\":\"a \\\"dog\\\"\"}]}";
        CaptionLine l = new CaptionLine("/v/a.mp4", 0, 1, 0, 9, 0, 1, json, "m", 1, "cfg", 1, 1, json);
        Map<String, Object> f = Json.parseObject(l.toJson());
        assertEquals(json, f.get("caption"));
        assertEquals(Json.parseObject(json), f.get("caption_json"), "the object itself, not a string");
        assertEquals(l.key(), CaptionLine.parse(l.toJson()).key());
        assertFalse(line("/v/a.mp4", 0, 1, "cfg").toJson().contains("caption_json"), "free text: no such field");
    }
}
