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
import dev.qwenvl.engine.EngineTimings;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
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

    private static final WindowCaption CUT = new WindowCaption("clip", window(0), "refined", 2, "length", true, 1234, 16,
            new EngineTimings(0.01, 0.5, 1.75), "first pass", null);

    @Test
    void aWindowRowCarriesTheWindowsFactsAndAnErrorRowHasThemNull() {
        List<Row> rows = CaptionRows.rows("v", "abc", new VideoCaptions(SOURCE, List.of(CUT), new EngineException("x")),
                "m", "cfg");
        Row window = rows.get(0);
        assertEquals("first pass", col(window, "stage1_caption"));
        assertEquals("length", col(window, "finish_reason"));
        assertEquals(true, col(window, "truncated"));
        assertEquals(1234, col(window, "prompt_tokens"));
        assertEquals(16, col(window, "output_tokens"));
        Row times = (Row) col(window, "engine_timings");
        assertEquals(List.of(0.01, 0.5, 1.75), List.of(times.get(0), times.get(1), times.get(2)));
        Row error = rows.get(1);
        for (String name : List.of("stage1_caption", "finish_reason", "truncated", "prompt_tokens", "output_tokens",
                "engine_timings")) {
            assertNull(col(error, name), name);
        }
        Row unknown = CaptionRows.rows("v", "abc", new VideoCaptions(SOURCE, List.of(new WindowCaption("clip", window(0),
                "a", 1)), null), "m", "cfg").get(0);
        assertNull(col(unknown, "prompt_tokens"), "unknown is null, not 0");
        assertEquals(false, col(unknown, "truncated"));
    }

    /** Every row holds, in each column, a value of the column's type (or null where the column allows it). */
    @Test
    void everyRowFitsTheSchema() {
        List<Row> rows = new java.util.ArrayList<>(CaptionRows.rows("v", "abc", new VideoCaptions(SOURCE,
                List.of(CUT, new WindowCaption("clip", window(1), "a", 1)), new EngineException("x")), "m", "cfg"));
        rows.add(CaptionRows.error("v", null, new java.io.IOException("denied"), "m", "cfg"));
        for (Row r : rows) {
            fits(CaptionRows.SCHEMA, r, "row " + r.get(0));
        }
    }

    private static void fits(StructType schema, Row r, String where) {
        assertEquals(schema.size(), r.size(), where);
        for (int i = 0; i < schema.size(); i++) {
            StructField f = schema.fields()[i];
            Object v = r.get(i);
            String at = where + "." + f.name();
            if (v == null) {
                assertTrue(f.nullable(), at + " is null in a column that is not nullable");
                continue;
            }
            DataType t = f.dataType();
            Class<?> expected = t.equals(DataTypes.StringType) ? String.class : t.equals(DataTypes.IntegerType) ? Integer.class
                    : t.equals(DataTypes.DoubleType) ? Double.class : t.equals(DataTypes.BooleanType) ? Boolean.class
                    : Row.class;
            assertTrue(expected.isInstance(v), at + " is a " + v.getClass().getSimpleName() + ", the column is " + t);
            if (t instanceof StructType nested) {
                fits(nested, (Row) v, at);
            }
        }
    }

    /** The columns are the CLI line's fields (docs/schemas/caption-line.schema.json), named alike. */
    @Test
    void theColumnsFollowTheCliLinesFields() throws Exception {
        com.fasterxml.jackson.databind.JsonNode schema = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(java.nio.file.Path.of("docs/schemas/caption-line.schema.json").toFile());
        java.util.Set<String> line = new java.util.TreeSet<>();
        schema.path("properties").fieldNames().forEachRemaining(line::add);
        line.removeAll(List.of("schema", "timings")); // the format version and the run's wall time are the CLI's
        java.util.Set<String> columns = new java.util.TreeSet<>(List.of(CaptionRows.SCHEMA.fieldNames()));
        columns.removeAll(List.of("key", "video_sha256", "error_reason", "error")); // the job's own columns
        assertEquals(line, columns);
        java.util.Set<String> times = new java.util.TreeSet<>();
        schema.path("properties").path("engine_timings").path("properties").fieldNames().forEachRemaining(times::add);
        assertEquals(times, new java.util.TreeSet<>(List.of(CaptionRows.ENGINE_TIMINGS.fieldNames())));
    }
}
