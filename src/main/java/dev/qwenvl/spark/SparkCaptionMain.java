package dev.qwenvl.spark;

import dev.qwenvl.cli.CaptionArguments;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark job: {@code spark-submit --class dev.qwenvl.spark.SparkCaptionMain qwenvl-cli.jar
 * INPUT... -o OUTPUT [caption options] [--partitions N] [--python-env NAME=VALUE]...}.
 *
 * <p>INPUT is a folder (searched recursively for videos), a video, or a text file of video paths
 * or URIs, on any Hadoop file system. The caption options are those of {@code qwenvl caption}
 * (the same settings give the same {@code config} fingerprint and captions); OUTPUT is a Parquet
 * folder, which must not exist yet. {@code --partitions} sets the number of tasks (default: the
 * application's default parallelism); {@code --python-env} sets a variable in the executors'
 * embedded Python before vLLM loads (e.g. {@code VLLM_CPU_KVCACHE_SPACE=1}). Exit codes as the
 * CLI's: 0 every video captioned, 2 the job could not start, 3 some videos failed (their error
 * rows are in the output).
 */
public final class SparkCaptionMain {
    static final int OK = 0;
    static final int CANNOT_START = 2;
    static final int SOME_FAILED = 3;
    private static final String NAME = "qwenvl spark caption";
    private static final StructType INPUT = DataTypes.createStructType(List.of(
            DataTypes.createStructField("video", DataTypes.StringType, false)));

    private SparkCaptionMain() {}

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName(NAME).getOrCreate();
        int code;
        try {
            code = run(spark, System.out, System.err, args);
        } finally {
            spark.stop();
        }
        System.exit(code);
    }

    /**
     * Options of {@code qwenvl caption} the Spark job does not take, and why: refused (exit 2) rather
     * than silently ignored, so a job never runs with settings other than the ones typed.
     */
    static final Map<String, String> NOT_IN_SPARK = Map.of(
            "--engine-url", "executors caption with the embedded vLLM; the HTTP engine is for qwenvl caption",
            "--engine-model", "it names the model of an --engine-url server; executors caption with the embedded vLLM",
            "--engine-timeout", "it bounds requests to an --engine-url server; executors caption with the embedded vLLM",
            "--frames-in-flight-mib", "each task streams its partition with the default frame budget ("
                    + (dev.qwenvl.caption.StreamSettings.DEFAULT_FRAMES_IN_FLIGHT_BYTES >> 20) + " MiB); the job "
                    + "does not take another yet",
            "--devices", "Spark assigns each task its GPUs (spark.task.resource.gpu.amount) and each executor runs "
                    + "one engine",
            "--errors", "a video that fails is an error row in the Parquet output (columns error and error_reason)");

    /** The options only the Spark job has, taken out of the caption command's. */
    record SparkOptions(Integer partitions, Map<String, String> pythonEnvironment, List<String> captionArgs) {

        static SparkOptions split(String... args) {
            Integer partitions = null;
            Map<String, String> env = new LinkedHashMap<>();
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                String name = a;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (NOT_IN_SPARK.containsKey(name)) {
                    throw new IllegalArgumentException(name + " is an option of qwenvl caption that the Spark job does "
                            + "not take: " + NOT_IN_SPARK.get(name) + "; leave it out");
                }
                if (!name.equals("--partitions") && !name.equals("--python-env")) {
                    rest.add(a);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(name + " needs a value");
                    }
                    value = args[++i];
                }
                if (name.equals("--partitions")) {
                    try {
                        partitions = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--partitions takes a whole number, got '" + value + "'");
                    }
                    if (partitions < 1) {
                        throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
                    }
                } else {
                    int split = value.indexOf('=');
                    if (split < 1) {
                        throw new IllegalArgumentException("--python-env takes NAME=VALUE, got '" + value + "'");
                    }
                    env.put(value.substring(0, split), value.substring(split + 1));
                }
            }
            return new SparkOptions(partitions, Map.copyOf(env), List.copyOf(rest));
        }
    }

    /**
     * Runs the job on {@code spark} (left running) and returns the exit code.
     */
    public static int run(SparkSession spark, PrintStream out, PrintStream err, String... args) {
        SparkOptions options;
        CaptionArguments caption;
        SparkCaptionConfig config;
        List<String> videos;
        try {
            options = SparkOptions.split(args);
            caption = CaptionArguments.parse(options.captionArgs().toArray(String[]::new));
            caption.warnings().forEach(w -> err.println(NAME + ": WARNING: " + w));
            config = SparkCaptionConfig.of(caption.model(), caption.caption());
            if (caption.decodeThreads().isPresent()) {
                config = config.withDecodeThreads(caption.decodeThreads().get());
            }
            if (caption.python().isPresent()) {
                config = config.withPython(caption.python().get());
            }
            for (Map.Entry<String, String> e : options.pythonEnvironment().entrySet()) {
                config = config.withPythonEnvironment(e.getKey(), e.getValue());
            }
            org.apache.hadoop.fs.Path output = new org.apache.hadoop.fs.Path(caption.output());
            if (output.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(output)) {
                throw new IllegalArgumentException("the output " + caption.output() + " exists; the job writes a new "
                        + "Parquet folder, so name one that does not exist (or delete the old one)");
            }
            videos = new VideoListing(spark.sparkContext().hadoopConfiguration(), CaptionArguments.videoExtensions())
                    .list(caption.inputs());
        } catch (CaptionArguments.HelpRequested help) {
            out.println("Usage: spark-submit [spark options] --class " + SparkCaptionMain.class.getName()
                    + " qwenvl-cli.jar INPUT... -o OUTPUT.parquet [caption options] [--partitions N]"
                    + " [--python-env NAME=VALUE]...");
            out.println("INPUT: a folder of videos, a video, or a text file of video paths/URIs (any Hadoop file system).");
            out.println("The caption options are qwenvl caption's, except " + String.join(", ",
                    new java.util.TreeSet<>(NOT_IN_SPARK.keySet())) + " (refused: the job cannot honour them):");
            out.print(CaptionArguments.usage());
            return OK;
        } catch (IllegalArgumentException | IOException e) {
            err.println(NAME + ": " + e.getMessage());
            return CANNOT_START;
        }
        int partitions = options.partitions() != null ? options.partitions()
                : Math.max(1, Math.min(videos.size(), spark.sparkContext().defaultParallelism()));
        List<Row> rows = videos.stream().map(RowFactory::create).toList();
        Dataset<Row> input = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), INPUT);
        long t0 = System.nanoTime();
        SparkCaptioning.caption(input, "video", config).write().mode(SaveMode.ErrorIfExists).parquet(caption.output());
        double seconds = (System.nanoTime() - t0) / 1e9;
        // the figures come from the written output: the result itself would caption again
        Dataset<Row> written = spark.read().parquet(caption.output());
        Row counts = written.agg(
                functions.count(functions.col("caption")).as("windows"),
                functions.count(functions.col("error")).as("errors"),
                functions.countDistinct(functions.col("video")).as("videos")).first();
        long windows = counts.getLong(0);
        long errors = counts.getLong(1);
        out.println(String.format(Locale.ROOT, "%s: %d videos in %d partitions: %d windows captioned, %d error rows "
                        + "(config %s) in %.1f s -> %s", NAME, videos.size(), partitions, windows, errors,
                config.fingerprint(), seconds, caption.output()));
        return errors > 0 ? SOME_FAILED : OK;
    }
}
