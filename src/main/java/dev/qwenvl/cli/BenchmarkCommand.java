package dev.qwenvl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qwenvl.benchmark.BenchmarkArchitecture;
import dev.qwenvl.benchmark.BenchmarkConfig;
import dev.qwenvl.benchmark.BenchmarkReport;
import dev.qwenvl.benchmark.FeedBenchmark;
import dev.qwenvl.benchmark.FeedConfig;
import dev.qwenvl.benchmark.FeedPhase;
import dev.qwenvl.benchmark.FeedReport;
import dev.qwenvl.benchmark.MachineBenchmark;
import dev.qwenvl.benchmark.StructuredPass;
import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.engine.JsonSchemaException;
import dev.qwenvl.jep.JepSchemaCheck;
import dev.qwenvl.benchmark.Precision;
import dev.qwenvl.benchmark.PrecisionResult;
import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.jep.PythonRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qwenvl benchmark}: measures this machine with a model's architecture and vLLM's dummy
 * weights (nothing is downloaded), FP8 and BF16, through the library's caption path. Prints one
 * figure per line on stdout; {@code --report FILE} also writes them as JSON.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Measure this machine without downloading weights: a model folder with the variant's published "
                + "architecture (or the tiny one on a CPU) and vLLM's random dummy weights captions generated or given "
                + "clips with a fixed output length, with FP8 and with BF16.",
                "",
                "Prints: engine start time, windows/s, output tokens/s, prompt (video) tokens/s, peak accelerator "
                + "memory, and the time split between decode/preprocess and the engine. On a CPU, FP8 is skipped "
                + "(vLLM's CPU build has no FP8 kernels) and memory is the resident memory of the processes.",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:every requested precision ran (or was skipped on a CPU)",
                "  2:could not start: bad options, Python environment or vLLM missing, tiny model missing",
                "  3:a precision failed (its engine did not start); the others were measured"})
final class BenchmarkCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "CLIP",
            description = "Videos or folders to caption; default: --clips generated clips.")
    List<Path> inputs = List.of();

    @Option(names = "--variant", paramLabel = "KEY", defaultValue = "qwen", converter = VariantConverters.Model.class,
            description = "Model variant: qwen (Qwen2.5-VL-7B-Instruct), qwen3 (Qwen3-VL-8B-Instruct). Default: ${DEFAULT-VALUE}.")
    ModelVariant variant;

    @Option(names = "--architecture", paramLabel = "NAME",
            description = "published (the variant's real dimensions) or tiny (the generated test model's). "
                    + "Default: published on an NVIDIA GPU, tiny on a CPU.")
    String architecture;

    @Option(names = "--tiny-model-dir", paramLabel = "DIR", defaultValue = ".models/tiny-random",
            description = "Folder holding the tiny generated model as <DIR>/<model id>; its tokenizer and processor "
                    + "files are reused. Default: ${DEFAULT-VALUE}.")
    Path tinyModelDir;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where the model folder and generated clips go. Default: a temporary folder, removed after.")
    Path workDir;

    @Option(names = "--clips", paramLabel = "N",
            description = "Clips to generate when none are given. Default: " + BenchmarkConfig.DEFAULT_GENERATED_CLIPS
                    + " (--feed-only: " + FeedConfig.DEFAULT_GENERATED_CLIPS + ").")
    Integer clips;

    @Option(names = "--clip-seconds", paramLabel = "S", defaultValue = "" + BenchmarkConfig.DEFAULT_CLIP_SECONDS,
            description = "Length of each generated clip (640x360, 30 fps). Default: ${DEFAULT-VALUE}.")
    double clipSeconds;

    @Option(names = "--max-output-tokens", paramLabel = "N", defaultValue = "" + BenchmarkConfig.DEFAULT_MAX_OUTPUT_TOKENS,
            description = "Output tokens per window, exactly (the end-of-sequence token is ignored). Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--batch-size", paramLabel = "N", hidden = true,
            description = "Deprecated and ignored: windows stream into vLLM's running batch, as in caption.")
    Integer batchSize;

    @Option(names = "--precision", paramLabel = "P", split = ",", defaultValue = "fp8,bf16",
            description = "Precisions to run, in order: fp8, bf16. Default: ${DEFAULT-VALUE}.")
    List<String> precisions;

    @Option(names = "--engine-arg", paramLabel = "NAME=VALUE",
            description = "Further vllm.LLM argument, repeatable (e.g. --engine-arg enforce_eager=true on a CPU).")
    Map<String, String> engineArgs = new LinkedHashMap<>();

    @Option(names = "--feed-only",
            description = "Measure the feed ceiling instead: how many windows/s this machine's CPU hands the engines "
                    + "(decode-only with 1 and --decode-threads lanes, vLLM's front end alone, the whole pipeline, a pool "
                    + "of --pool-engines engines, the pipeline again), with vLLM's model executor replaced by an instant stand-in: no weights, no "
                    + "model, no accelerator. Run it on a GPU node before spending GPU time (docs/feed.md).")
    boolean feedOnly;

    @Option(names = "--decode-threads", paramLabel = "K", defaultValue = "" + FeedConfig.DEFAULT_DECODE_THREADS,
            description = "--feed-only: decode lanes of the many-lane figures (against 1 lane). Default: ${DEFAULT-VALUE}.")
    int decodeThreads;

    @Option(names = "--pool-engines", paramLabel = "N", defaultValue = "" + FeedConfig.DEFAULT_POOL_ENGINES,
            description = "--feed-only: engines of the pool figure. Default: ${DEFAULT-VALUE}.")
    int poolEngines;

    @Option(names = "--pool-step-ms", paramLabel = "S", defaultValue = "" + FeedConfig.DEFAULT_POOL_STEP_MS,
            description = "--feed-only: milliseconds each engine step of the pool sleeps, standing for an accelerator "
                    + "step. Default: ${DEFAULT-VALUE}.")
    double poolStepMs;

    @Option(names = "--pool-fill", paramLabel = "N", defaultValue = "" + EnginePool.Options.DEFAULT_FILL,
            description = "--feed-only: requests a pool engine takes before a less busy one gets any, as caption's "
                    + "--pool-fill (1: always the least-loaded engine). Default: ${DEFAULT-VALUE}.")
    int poolFill;

    @Option(names = "--caption-schema", paramLabel = "FILE",
            description = "Also caption the clips constrained to this JSON Schema on the same engine, and report the "
                    + "cost of constrained decoding (windows/s and output tokens/s, with and without, one run).")
    Path captionSchema;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the figures as JSON to FILE.")
    Path report;

    @Option(names = "--verbose", description = "Log the library's progress (INFO) on stderr.")
    boolean verbose;

    @Mixin
    PythonOptions python = new PythonOptions();

    @Override
    public Integer call() throws IOException {
        if (feedOnly) {
            return feed();
        }
        PrintWriter out = spec.commandLine().getOut();
        BenchmarkConfig.Builder builder;
        Path work = workDir != null ? workDir : Files.createTempDirectory("qwenvl-benchmark-");
        try {
            builder = BenchmarkConfig.builder(work).variant(variant).tinyModelDir(tinyModelDir)
                    .clips(inputs.isEmpty() ? List.of() : VideoFinder.find(inputs))
                    .generatedClips(clips != null ? clips : BenchmarkConfig.DEFAULT_GENERATED_CLIPS, clipSeconds)
                    .maxOutputTokens(maxOutputTokens)
                    .precisions(precisions.stream().map(Precision::fromKey).toList())
                    .extraEngineArgs(EngineArgValues.parse(engineArgs));
            if (architecture != null) {
                builder.architecture(BenchmarkArchitecture.fromKey(architecture));
            }
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
        BenchmarkConfig config;
        try {
            config = builder.build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
        if (batchSize != null) {
            spec.commandLine().getErr().println("qwenvl benchmark: --batch-size is deprecated and ignored: windows stream"
                    + " into vLLM's running batch, which vLLM bounds (--engine-arg max_num_seqs=N)");
        }
        CaptionSchema schema = null;
        if (captionSchema != null) {
            try {
                schema = CaptionSchema.read(captionSchema);
            } catch (JsonSchemaException e) {
                throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
            }
        }
        python.apply();
        if (verbose) {
            CliLogging.verbose();
        }
        if (schema != null) {
            try {
                new JepSchemaCheck(PythonRuntime.shared()).check(schema.output(), schema.name());
            } catch (JsonSchemaException e) {
                throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
            }
        }
        BenchmarkConfig machineConfig = config;
        CaptionSchema captionSchema = schema;
        BenchmarkReport result = runIn(work, () -> new MachineBenchmark(PythonRuntime.shared()).run(machineConfig, captionSchema));
        print(out, result.lines());
        if (report != null) {
            Files.writeString(report, reportJson(result) + "\n", StandardCharsets.UTF_8);
        }
        boolean anyFailed = result.results().stream().anyMatch(r -> r.status() == PrecisionResult.Status.FAILED);
        boolean anyRan = result.results().stream().anyMatch(r -> r.status() == PrecisionResult.Status.RAN);
        return anyFailed ? (anyRan ? ExitCodes.SOME_FAILED : ExitCodes.CANNOT_START) : ExitCodes.OK;
    }

    /**
     * Runs a benchmark in {@code work}: a refused configuration is exit 2, and a temporary work
     * folder (no {@code --work-dir}) is deleted afterwards.
     */
    private <R> R runIn(Path work, java.util.function.Supplier<R> benchmark) {
        try {
            return benchmark.get();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        } finally {
            if (workDir == null) {
                deleteTree(work);
            }
        }
    }

    private static void print(PrintWriter out, List<String> lines) {
        for (String line : lines) {
            out.println("qwenvl benchmark: " + line);
        }
        out.flush();
    }

    /** {@code --feed-only}: {@link FeedBenchmark}; prints its lines, writes its JSON report. */
    private int feed() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = workDir != null ? workDir : Files.createTempDirectory("qwenvl-feed-");
        FeedConfig config;
        try {
            FeedConfig.Builder builder = FeedConfig.builder(work).variant(variant).tinyModelDir(tinyModelDir)
                    .clips(inputs.isEmpty() ? List.of() : VideoFinder.find(inputs))
                    .generatedClips(clips != null ? clips : FeedConfig.DEFAULT_GENERATED_CLIPS, clipSeconds)
                    .maxOutputTokens(maxOutputTokens).decodeThreads(decodeThreads).pool(poolEngines, poolStepMs).poolFill(poolFill)
                    .extraEngineArgs(EngineArgValues.parse(engineArgs));
            if (architecture != null) {
                builder.architecture(BenchmarkArchitecture.fromKey(architecture));
            }
            config = builder.build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
        python.apply();
        if (verbose) {
            CliLogging.verbose();
        }
        FeedConfig feedConfig = config;
        FeedReport result = runIn(work, () -> new FeedBenchmark(PythonRuntime.shared()).run(feedConfig));
        print(out, result.lines());
        if (report != null) {
            Files.writeString(report, REPORT.writeValueAsString(feedJson(result)) + "\n", StandardCharsets.UTF_8);
        }
        boolean anyFailed = result.phases().stream().anyMatch(p -> !p.ran());
        boolean anyEngineRan = result.frontend().ran() || result.pool().ran();
        return anyFailed ? (anyEngineRan ? ExitCodes.SOME_FAILED : ExitCodes.CANNOT_START) : ExitCodes.OK;
    }

    /** The feed report as JSON values; a figure that is not a finite number is {@code null}. */
    static Map<String, Object> feedJson(FeedReport r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "feed");
        json.put("model", r.variant().modelId());
        json.put("architecture", r.architecture().key());
        json.put("accelerator", r.accelerator().toString());
        json.put("clips", r.clips());
        json.put("max_output_tokens", r.maxOutputTokens());
        json.put("decode_threads", r.decodeThreads());
        json.put("ffmpeg_threads_per_lane", r.threadsPerLane());
        json.put("pool_engines", r.poolEngines());
        json.put("pool_step_ms", r.poolStepMs());
        json.put("pool_fill", r.poolFill());
        json.put("pool_windows_per_engine", r.poolWindowsPerEngine());
        json.put("engine_start_seconds", finite(r.engineStartSeconds()));
        List<Object> phases = new ArrayList<>();
        for (FeedPhase p : r.phases()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.key());
            m.put("ran", p.ran());
            m.put("failure", p.failure());
            m.put("windows", p.windows());
            m.put("failed_videos", p.failedVideos());
            m.put("seconds", finite(p.seconds()));
            m.put("windows_per_second", finite(p.windowsPerSecond()));
            m.put("fed_seconds", finite(p.fedSeconds()));
            m.put("fed_windows_per_second", finite(p.fedWindowsPerSecond()));
            m.put("python_cpu_ms_per_window", finite(p.pythonCpuMsPerWindow()));
            m.put("process_cpu_ms_per_window", finite(p.processCpuMsPerWindow()));
            m.put("engine_core_cpu_ms_per_window", finite(p.childCpuMsPerWindow()));
            m.put("engine_steps", p.steps());
            m.put("engine_steps_per_window", finite(p.stepsPerWindow()));
            m.put("requests_per_step", finite(p.meanBatch()));
            phases.add(m);
        }
        json.put("phases", phases);
        json.put("ratio_decode_lanes_over_one", finite(r.lanesRatio()));
        json.put("ratio_decode_lanes_over_one_same_threads", finite(r.lanesRatioSameThreads()));
        json.put("ratio_pipeline_over_decode", finite(r.pipelineRatio()));
        json.put("ratio_pool_over_one_engine", finite(r.poolRatio()));
        json.put("ratio_pool_over_one_engine_fed", finite(r.poolFedRatio()));
        json.put("frontend_windows_per_second", finite(r.frontend().windowsPerSecond()));
        return json;
    }

    /** Writes the report (Jackson, compact, fields in the order {@link #toJson} puts them). */
    private static final ObjectMapper REPORT = new ObjectMapper();

    /** The report as one line of JSON. */
    static String reportJson(BenchmarkReport r) throws IOException {
        return REPORT.writeValueAsString(toJson(r));
    }

    /** The report as JSON values; a figure that is not a finite number is {@code null}. */
    static Map<String, Object> toJson(BenchmarkReport r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", r.variant().modelId());
        json.put("architecture", r.architecture().key());
        json.put("accelerator", r.accelerator().toString());
        json.put("gpu", r.accelerator().gpu());
        json.put("clips", r.clips());
        json.put("max_output_tokens", r.maxOutputTokens());
        List<Object> results = new ArrayList<>();
        for (PrecisionResult p : r.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("precision", p.precision().key());
            m.put("status", p.status().name().toLowerCase(java.util.Locale.ROOT));
            m.put("reason", p.reason());
            m.put("engine_start_seconds", finite(p.engineStartSeconds()));
            m.put("windows", p.windows());
            m.put("failed_videos", p.failedVideos());
            m.put("seconds", finite(p.totalSeconds()));
            m.put("windows_per_second", finite(p.windowsPerSecond()));
            m.put("output_tokens", p.outputTokens());
            m.put("output_tokens_per_second", finite(p.outputTokensPerSecond()));
            m.put("prompt_tokens", p.promptTokens());
            m.put("prompt_tokens_per_second", finite(p.promptTokensPerSecond()));
            m.put("decode_preprocess_seconds", finite(p.prepareSeconds()));
            m.put("engine_seconds", finite(p.engineSeconds()));
            m.put("peak_memory", p.peakMemory().what());
            m.put("peak_memory_bytes", p.peakMemory().bytes());
            if (p.structured() != null) {
                StructuredPass c = p.structured();
                Map<String, Object> st = new LinkedHashMap<>();
                st.put("schema", c.schema());
                st.put("windows", c.windows());
                st.put("invalid_videos", c.invalidVideos());
                st.put("seconds", finite(c.seconds()));
                st.put("windows_per_second", finite(c.windowsPerSecond()));
                st.put("output_tokens", c.outputTokens());
                st.put("output_tokens_per_second", finite(c.outputTokensPerSecond()));
                m.put("structured", st);
            }
            results.add(m);
        }
        json.put("results", results);
        return json;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
