package dev.qwenvl.spark;

import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captions one partition of video URIs (column 0 of its rows) into {@link CaptionRows} through the
 * one caption stream ({@code VideoCaptioner.caption}, the stream collected): when Spark first asks
 * for rows, every video of the partition is fetched (local files are read in place, others copied
 * to local temporary files, removed when the partition is done) and all of them stream through the
 * engine together, so the engine holds as many requests as its scheduler and the frame budget
 * allow. Frames in memory stay bounded by the stream's frame budget; the local disk holds the
 * partition's fetched videos. An engine whose process dies is restarted by the stream and the
 * windows it held are captioned again.
 *
 * <p>Deterministic: the rows follow the input order, and each window's row depends only on the
 * video's bytes and the config, so a retried or speculative attempt of the task writes the same
 * rows with the same keys. A video that cannot be fetched or captioned becomes an error row; only
 * a captioner that cannot start fails the task (Spark then retries it, possibly elsewhere).
 */
final class PartitionCaptioning implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCaptioning.class);

    private final SparkCaptionConfig config;
    private final VideoFetcher fetcher;
    private final String fingerprint;
    private final String modelId;
    private final Captioners captioners;

    /** Where a task's captioner comes from: the executor's shared one in production. */
    @FunctionalInterface
    interface Captioners extends java.io.Serializable {
        ExecutorCaptioners.Lease acquire(SparkCaptionConfig config, Accelerator accelerator);
    }

    PartitionCaptioning(SparkCaptionConfig config, VideoFetcher fetcher) {
        this(config, fetcher, ExecutorCaptioners::acquire);
    }

    PartitionCaptioning(SparkCaptionConfig config, VideoFetcher fetcher, Captioners captioners) {
        this.config = config;
        this.fetcher = fetcher;
        this.captioners = captioners;
        this.fingerprint = config.fingerprint();
        this.modelId = config.modelId();
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Rows(input);
    }

    /** The partition's output, captioned in one stream when first asked for. */
    private final class Rows implements Iterator<Row> {
        private final Iterator<Row> input;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private ExecutorCaptioners.Lease lease;

        Rows(Iterator<Row> input) {
            this.input = input;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) {
                captionPartition();
            }
            if (ready.isEmpty()) {
                release();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void captionPartition() {
            List<Object> slots = new ArrayList<>(); // per input: a Fetched, or the error Row
            List<VideoFetcher.Fetched> fetched = new ArrayList<>();
            try {
                while (input.hasNext()) {
                    Object value = input.next().get(0);
                    String uri = value == null ? null : value.toString();
                    try {
                        if (uri == null || uri.isBlank()) {
                            throw new IllegalArgumentException("the video column is empty in this row");
                        }
                        VideoFetcher.Fetched f = fetcher.fetch(uri);
                        fetched.add(f);
                        slots.add(f);
                    } catch (IOException | VideoInputException | IllegalArgumentException e) {
                        LOG.warn("Cannot read {}: {}", uri, e.toString());
                        slots.add(CaptionRows.error(uri, null, e, modelId, fingerprint));
                    }
                }
                List<VideoCaptions> results = List.of();
                if (!fetched.isEmpty()) {
                    List<VideoSource> sources = fetched.stream().<VideoSource>map(VideoFetcher.Fetched::source).toList();
                    ExecutorCaptioners.Lease held = lease();
                    try {
                        results = held.captioner().caption(sources);
                    } catch (RuntimeException e) {
                        // not one video's failure (those come back as results): the captioner itself
                        // failed, so fail the task for Spark to retry, on a fresh captioner
                        held.discard();
                        throw e;
                    }
                }
                int r = 0;
                for (Object slot : slots) {
                    if (slot instanceof VideoFetcher.Fetched f) {
                        ready.addAll(CaptionRows.rows(f.uri(), f.sha256(), results.get(r++), modelId, fingerprint));
                    } else {
                        ready.add((Row) slot);
                    }
                }
            } finally {
                fetched.forEach(VideoFetcher.Fetched::close);
            }
        }

        private ExecutorCaptioners.Lease lease() {
            if (lease == null) {
                lease = captioners.acquire(config, Accelerator.ofCurrentTask());
                ExecutorCaptioners.Lease held = lease;
                TaskContext task = TaskContext.get();
                if (task != null) {
                    task.addTaskCompletionListener((TaskCompletionListener) context -> held.close());
                }
            }
            return lease;
        }

        private void release() {
            if (lease != null) {
                lease.close();
            }
        }
    }
}
