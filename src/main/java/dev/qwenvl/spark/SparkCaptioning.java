package dev.qwenvl.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Captions a dataset of videos on a Spark cluster: the entry point of {@code dev.qwenvl.spark}.
 *
 * <pre>{@code
 * Dataset<Row> videos = spark.read().text("s3a://bucket/videos.txt").withColumnRenamed("value", "path");
 * SparkCaptionConfig config = SparkCaptionConfig.of(qwenVlConfig, CaptionSettings.defaults());
 * SparkCaptioning.caption(videos, "path", config).write().parquet("s3a://bucket/captions");
 * }</pre>
 *
 * <p>Each executor JVM holds one captioner ({@link ExecutorCaptioners}), started by its first task
 * and reused by every later task and stage. The result has {@link CaptionRows#SCHEMA}: one row per
 * window, and an error row per video that failed; a failed video never fails the job. Rows are
 * keyed by video content hash, window and config fingerprint, and a retried task produces the same
 * rows, so Spark's retries and speculative execution, with its output committer, neither duplicate
 * nor lose a window. The result is lazy: each action on it captions again, so write it once
 * (Parquet) and read that.
 */
public final class SparkCaptioning {
    private SparkCaptioning() {}

    /**
     * Captions the videos named in {@code videoColumn} of {@code videos}.
     *
     * @param videos      one row per video; other columns are ignored
     * @param videoColumn a string column of video URIs: local paths or any Hadoop-readable URI
     *                    ({@code s3a://}, {@code hdfs://}...), read with the session's Hadoop
     *                    configuration (see {@link VideoFetcher})
     * @param config      what to caption with
     * @throws IllegalArgumentException when the column is missing or not a string column
     */
    public static Dataset<Row> caption(Dataset<Row> videos, String videoColumn, SparkCaptionConfig config) {
        Objects.requireNonNull(videos, "videos");
        Objects.requireNonNull(videoColumn, "videoColumn");
        Objects.requireNonNull(config, "config");
        StructField field = java.util.Arrays.stream(videos.schema().fields())
                .filter(f -> f.name().equals(videoColumn)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no column '" + videoColumn + "' in " + videos.schema()
                        .simpleString() + "; name the column that holds the video paths"));
        if (!field.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + videoColumn + "' is " + field.dataType().simpleString()
                    + "; it must be a string column of video paths or URIs");
        }
        Map<String, String> hadoop = new LinkedHashMap<>();
        videos.sparkSession().sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
        PartitionCaptioning captioning = new PartitionCaptioning(config, new VideoFetcher(hadoop));
        return videos.select(functions.col("`" + videoColumn.replace("`", "``") + "`")).mapPartitions(captioning, Encoders.row(CaptionRows.SCHEMA));
    }
}
