package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The Spark example of docs/spark.md, kept compiling here too, and its configuration checked (it needs a cluster, so it is not run). */
class SparkReadmeExampleCompilesTest {

    @SuppressWarnings("unused")
    static void readmeExample() {
        SparkSession spark = SparkSession.builder().appName("captions").getOrCreate();
        Dataset<Row> videos = spark.read().text("s3a://bucket/videos.txt").withColumnRenamed("value", "path");
        QwenVlConfig model = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(8).build();
        SparkCaptionConfig config = SparkCaptionConfig.of(model, CaptionSettings.defaults());
        SparkCaptioning.caption(videos, "path", config).write().parquet("s3a://bucket/captions.parquet");
    }

    @Test
    void theExampleConfigCaptionsWithTheFixedSeed() {
        QwenVlConfig model = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(8).build();
        SparkCaptionConfig config = SparkCaptionConfig.of(model, CaptionSettings.defaults());
        assertEquals(0, config.modelConfig().samplingSeed().orElseThrow());
        assertEquals("Qwen/Qwen2.5-VL-7B-Instruct", config.modelId());
    }
}
