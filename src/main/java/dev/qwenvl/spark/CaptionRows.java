package dev.qwenvl.spark;

import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoWindow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The output rows of {@link SparkCaptioning}: one per captioned window, and one per failed video
 * (or per video some of whose windows failed) carrying the error. Column names follow the CLI's
 * JSON lines (schema 2, {@code docs/schemas/caption-line.schema.json}); the window's facts
 * (stage 1's caption, finish reason, truncation, token counts, the engine's times) come after the
 * error columns, so that the earlier columns keep their positions. An error row has them null.
 */
public final class CaptionRows {
    private CaptionRows() {}

    /** The engine's times of a window, in seconds, each null where the engine reports none. */
    public static final StructType ENGINE_TIMINGS = DataTypes.createStructType(new StructField[] {
        DataTypes.createStructField("queued_seconds", DataTypes.DoubleType, true),
        DataTypes.createStructField("first_token_seconds", DataTypes.DoubleType, true),
        DataTypes.createStructField("total_seconds", DataTypes.DoubleType, true),
    });

    /** The output schema, in column order. */
    public static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
        field("key", DataTypes.StringType, false),
        field("video", DataTypes.StringType, true),
        field("video_sha256", DataTypes.StringType, true),
        field("window", DataTypes.IntegerType, true),
        field("windows", DataTypes.IntegerType, true),
        field("first_frame", DataTypes.IntegerType, true),
        field("last_frame", DataTypes.IntegerType, true),
        field("start_seconds", DataTypes.DoubleType, true),
        field("end_seconds", DataTypes.DoubleType, true),
        field("caption", DataTypes.StringType, true),
        field("model", DataTypes.StringType, false),
        field("stage", DataTypes.IntegerType, true),
        field("config", DataTypes.StringType, false),
        field("error_reason", DataTypes.StringType, true),
        field("error", DataTypes.StringType, true),
        field("stage1_caption", DataTypes.StringType, true),
        field("finish_reason", DataTypes.StringType, true),
        field("truncated", DataTypes.BooleanType, true),
        field("prompt_tokens", DataTypes.IntegerType, true),
        field("output_tokens", DataTypes.IntegerType, true),
        field("engine_timings", ENGINE_TIMINGS, true),
        // with a caption schema: the caption as JSON text (from_json(caption_json, schema) in Spark SQL)
        field("caption_json", DataTypes.StringType, true),
    });

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    /**
     * The row key: {@code <content sha256>:<window>:<config>} for a window,
     * {@code <content sha256>:error:<config>} for a video's error; a video that could not be read
     * is named by {@code uri-<sha256 of the URI>} in place of its content hash.
     */
    static String key(String contentHash, String video, String window, String config) {
        String id = contentHash != null ? contentHash : "uri-" + sha256(video == null ? "" : video);
        return id + ":" + window + ":" + config;
    }

    /** The rows of one video's outcome: its windows in order, then its error if it has one. */
    static List<Row> rows(String video, String contentHash, VideoCaptions result, String model, String config) {
        List<Row> rows = new ArrayList<>();
        Integer windows = result.succeeded() ? result.captions().size() : null;
        for (WindowCaption c : result.captions()) {
            VideoWindow w = c.window();
            rows.add(RowFactory.create(key(contentHash, video, Integer.toString(w.windowIndex()), config), video,
                    contentHash, w.windowIndex(), windows, w.firstFrame(), w.lastFrame(), w.startSeconds(),
                    w.endSeconds(), c.caption(), model, c.stage(), config, null, null, c.stage1Caption(), c.finishReason(),
                    c.truncated(), c.promptTokens(), c.outputTokens(), RowFactory.create(c.timings().queuedSeconds(),
                            c.timings().firstTokenSeconds(), c.timings().totalSeconds()), c.captionJson()));
        }
        if (!result.succeeded()) {
            rows.add(error(video, contentHash, result.error(), model, config));
        }
        return rows;
    }

    /** The row of a video that failed with {@code error}. */
    static Row error(String video, String contentHash, Throwable error, String model, String config) {
        return RowFactory.create(key(contentHash, video, "error", config), video, contentHash, null, null, null, null,
                null, null, null, model, null, config, reason(error), String.valueOf(error.getMessage()), null, null, null,
                null, null, null, null);
    }

    /** A short machine-readable cause, as in the CLI's errors file: the video reason, ENGINE_ERROR, or the class. */
    static String reason(Throwable error) {
        if (error instanceof VideoInputException v) {
            return v.reason().name();
        }
        if (error instanceof EngineException) {
            return "ENGINE_ERROR";
        }
        if (error instanceof java.io.IOException) {
            return "UNREADABLE_URI";
        }
        return error.getClass().getSimpleName();
    }

    private static String sha256(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
