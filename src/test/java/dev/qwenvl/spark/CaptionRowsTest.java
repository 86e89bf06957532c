package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class CaptionRowsTest {
    private static final VideoSource SOURCE = new VideoSource.JavaFrames(ByteBuffer.allocateDirect(2 * 2 * 2 * 3),
            new int[] {2, 2, 2, 3}, 10, "clip");

    private static Object col(Row r, String name) {
        return r.get(CaptionRows.SCHEMA.fieldIndex(name));
    }

    private static VideoWindow window(int index) {
        return new VideoWindow(index, index * 10, index * 10 + 9, index, index + 1.0, List.of(index * 10, index * 10 + 5),
                2.0);
    }

    @Test
    void aCaptionedVideoGivesOneRowPerWindowKeyedByContentWindowAndConfig() {
        VideoCaptions result = new VideoCaptions(SOURCE, List.of(new WindowCaption("clip", window(0), "a", 1),
                new WindowCaption("clip", window(1), "b", 1)), null);
        List<Row> rows = CaptionRows.rows("s3a://b/clip.mp4", "abc", result, "Qwen/x", "cfg");
        assertEquals(2, rows.size());
        Row second = rows.get(1);
        assertEquals(CaptionRows.SCHEMA.size(), second.size());
        assertEquals("abc:1:cfg", col(second, "key"));
        assertEquals("s3a://b/clip.mp4", col(second, "video"));
        assertEquals(1, col(second, "window"));
        assertEquals(2, col(second, "windows"));
        assertEquals(10, col(second, "first_frame"));
        assertEquals(19, col(second, "last_frame"));
        assertEquals(1.0, col(second, "start_seconds"));
        assertEquals(2.0, col(second, "end_seconds"));
        assertEquals("b", col(second, "caption"));
        assertEquals("Qwen/x", col(second, "model"));
        assertEquals("cfg", col(second, "config"));
        assertNull(col(second, "error"));
    }

    @Test
    void aPartlyFailedVideoKeepsItsWindowsAndAddsOneErrorRow() {
        VideoCaptions result = new VideoCaptions(SOURCE, List.of(new WindowCaption("clip", window(0), "a", 1)),
                new EngineException("window 1 failed"));
        List<Row> rows = CaptionRows.rows("v", "abc", result, "m", "cfg");
        assertEquals(2, rows.size());
        assertNull(col(rows.get(0), "windows"), "the window count is only given for complete videos");
        Row error = rows.get(1);
        assertEquals("abc:error:cfg", col(error, "key"));
        assertEquals("ENGINE_ERROR", col(error, "error_reason"));
        assertEquals("window 1 failed", col(error, "error"));
        assertNull(col(error, "window"));
        assertNull(col(error, "caption"));
    }

    @Test
    void anUnreadableVideoIsKeyedByItsUri() {
        Row a = CaptionRows.error("s3a://b/a.mp4", null, new java.io.IOException("denied"), "m", "cfg");
        Row b = CaptionRows.error("s3a://b/b.mp4", null,
                new VideoInputException("b", VideoInputException.Reason.MISSING_FILE, "gone"), "m", "cfg");
        assertTrue(((String) col(a, "key")).startsWith("uri-"), (String) col(a, "key"));
        assertTrue(((String) col(a, "key")).endsWith(":error:cfg"));
        assertTrue(!col(a, "key").equals(col(b, "key")));
        assertEquals("UNREADABLE_URI", col(a, "error_reason"));
        assertEquals("MISSING_FILE", col(b, "error_reason"));
    }
}
