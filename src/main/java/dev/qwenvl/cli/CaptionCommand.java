package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.engine.JsonSchemaException;
import dev.qwenvl.jep.JepSchemaCheck;
import dev.qwenvl.jep.JepTokenCounter;
import dev.qwenvl.model.PromptBudget;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonFramesReader;
import dev.qwenvl.http.OpenAiEngineConfig;
import dev.qwenvl.http.OpenAiHttpEngine;
import dev.qwenvl.video.WindowingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qwenvl caption}: captions video files and folders into a JSON-lines file, one line per
 * window, resumably (see {@link CaptionJob}). Built on the library's public API only.
 */
@Command(name = "caption", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Caption videos into a JSON-lines file: one line per window with the video path, window "
                + "index, first/last frame, start/end seconds, caption, model id, stage, settings fingerprint and timings.",
                "",
                "Resumable: rerunning the same command skips windows already in the output (same video, window and "
                + "caption settings). Videos stream through the engine; each video's lines are appended and synced to disk "
                + "as soon as all its windows are done, so an interruption loses at most the videos in flight. A torn last line "
                + "left by a crash is removed when the next run starts.",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"  0:every video was captioned (or already was)",
                "  2:the run could not start: bad options, no videos, Python environment or vLLM missing, model not loadable;"
                + " or the engine died and could not be restarted (or died again after its one restart);"
                + " or another run holds the output or errors file (the message names it; see docs/outputs.md)",
                "  3:some videos failed; they are listed in the errors file (an engine that died is restarted once and"
                + " the windows it held are captioned again: a recovered run exits 0)",
                "130:interrupted (Ctrl-C); rerun the same command to resume"})
final class CaptionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "INPUT",
            description = "Video files, or folders searched recursively for .mp4 .mkv .webm .avi .mov .m4v files.")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "Captions file (JSON lines); appended to, and resumed from when it exists.")
    Path output;

    @Option(names = "--errors", paramLabel = "FILE",
            description = "Errors file (JSON lines: video, reason, message), rewritten each run. Default: OUTPUT with"
                    + " .errors.jsonl in place of its extension.")
    Path errors;

    @Mixin
    ModelOptions model;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Deprecated and ignored (warns): videos stream into vLLM's running batch, which vLLM bounds"
                    + " (--engine-arg max_num_seqs=N), and --frames-in-flight-mib bounds the frames held.")
    Integer batchSize;

    @Option(names = "--fp8", negatable = true, defaultValue = "" + QwenVlConfig.DEFAULT_FP8, fallbackValue = "true",
            description = "FP8 quantization of the weights (--no-fp8 to turn off). Default: ${DEFAULT-VALUE}.")
    boolean fp8;

    @Option(names = "--max-output-tokens", paramLabel = "N", defaultValue = "" + QwenVlConfig.DEFAULT_MAX_OUTPUT_TOKENS,
            description = "Most tokens per caption. Default: ${DEFAULT-VALUE}.")
    int maxOutputTokens;

    @Option(names = "--model-does-preprocess", defaultValue = "" + QwenVlConfig.DEFAULT_MODEL_DOES_PREPROCESS,
            description = "Let vLLM's processor resize and normalise frames instead of the library.")
    boolean modelDoesPreprocess;

    @Option(names = "--disable-mmcache", defaultValue = "" + QwenVlConfig.DEFAULT_DISABLE_MMCACHE,
            description = "Turn off vLLM's multimodal processor cache (4 GB otherwise).")
    boolean disableMmcache;

    @Option(names = "--stage2", description = "Refine each caption with a second pass (stage 2).")
    boolean stage2;

    @Option(names = "--stage2-prompt", paramLabel = "TEXT",
            description = "Instruction of the second pass (with --stage2); the first caption follows it. Default: Curator's \"Please refine this caption: \".")
    String stage2Prompt;

    @Option(names = "--prompt-variant", paramLabel = "NAME", defaultValue = "default",
            converter = VariantConverters.Prompt.class,
            description = "Built-in instruction, NeMo Curator's: default, av, av-surveillance (aliases: driving, surveillance). Default: ${DEFAULT-VALUE}.")
    PromptVariant promptVariant;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Custom caption instruction; replaces --prompt-variant.")
    String prompt;

    @Option(names = "--caption-schema", paramLabel = "FILE",
            description = "Structured captions: constrain every caption to this JSON Schema (vLLM's structured outputs) "
                    + "and keep it as JSON (caption_json). A schema that is not JSON, not a valid JSON Schema or that "
                    + "vLLM's grammar backend cannot compile exits 2 before the model loads. See docs/structured-captions.md.")
    Path captionSchema;

    @Option(names = "--sampling-fps", paramLabel = "FPS", defaultValue = "" + WindowingConfig.DEFAULT_SAMPLING_FPS,
            description = "Frames sampled per second of video. Default: ${DEFAULT-VALUE}.")
    double samplingFps;

    @Option(names = "--window-frames", paramLabel = "N", defaultValue = "" + WindowingConfig.DEFAULT_WINDOW_FRAMES,
            description = "Source frames per window; a remainder of at least half a window becomes its own window."
                    + " Default: ${DEFAULT-VALUE}.")
    int windowFrames;

    @Option(names = "--seed", paramLabel = "N", description = "Sampling seed. Default: none (the engine's choice).")
    Integer seed;

    @Option(names = "--engine-arg", paramLabel = "NAME=VALUE",
            description = "Further vllm.LLM argument, repeatable (e.g. --engine-arg tensor_parallel_size=2);"
                    + " true/false, integers and decimals are typed, anything else is a string.")
    Map<String, String> engineArgs = new LinkedHashMap<>();

    @Option(names = "--engine-url", paramLabel = "URL",
            description = "Caption through a running OpenAI-compatible server (vllm serve) at this API root, e.g. "
                    + "http://localhost:8000/v1, instead of the embedded vLLM. Videos are still decoded here; frames "
                    + "travel as JPEG (see docs/http-engine.md).")
    URI engineUrl;

    @Option(names = "--engine-model", paramLabel = "NAME",
            description = "With --engine-url: the model name the server serves. Default: the variant's model id.")
    String engineModel;

    @Option(names = "--engine-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "With --engine-url: the most seconds one request may take. Default: ${DEFAULT-VALUE}.")
    long engineTimeoutSeconds;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Run one engine per device, fed from one queue: all (every visible GPU), a list such as "
                    + "0,1,2,3, groups for tensor parallelism such as 0+1,2+3 (with --engine-arg "
                    + "tensor_parallel_size=2), or cpu,cpu (two CPU engines). Default: one engine, not pinned.")
    String devices;

    @Option(names = "--pool-fill", paramLabel = "N", defaultValue = "" + EnginePool.Options.DEFAULT_FILL,
            description = "With --devices: requests an engine takes before a less busy engine gets any; once every "
                    + "engine holds N, requests go to the least-loaded. Fewer, fuller engines cost the CPU less per "
                    + "window while decoding is the limit (docs/pools.md); 1 sends every request to the least-loaded "
                    + "engine. Default: ${DEFAULT-VALUE}.")
    int poolFill;

    @Option(names = "--group-size", paramLabel = "N",
            description = "Deprecated and ignored (warns): videos stream, each written when it is done.")
    Integer groupSize;

    @Option(names = "--frames-in-flight-mib", paramLabel = "MIB", defaultValue = ""
            + (StreamSettings.DEFAULT_FRAMES_IN_FLIGHT_BYTES >> 20),
            description = "Most MiB of decoded frames held ahead of and inside the engine; memory stays flat "
                    + "whatever the number of videos. Default: ${DEFAULT-VALUE}.")
    long framesInFlightMib;

    @Option(names = "--decode-threads", paramLabel = "K",
            description = "Videos decoded at once (decode lanes: FFmpeg runs without Python's lock, each lane with "
                    + "max(1, cores / K) FFmpeg threads), all within --frames-in-flight-mib; the lanes feed every "
                    + "engine of --devices. Captions do not depend on it. Default: half the cores, 1 to 8 ("
                    + "here: ${DEFAULT-VALUE}).")
    Integer decodeThreads = StreamSettings.defaultDecodeThreads();

    @Option(names = "--verbose", description = "Log the library's progress (INFO) on stderr.")
    boolean verbose;

    @Mixin
    PythonOptions python = new PythonOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        QwenVlConfig config = modelConfig();
        CaptionSettings settings = captionSettings();
        deprecationWarnings().forEach(w -> err.println("qwenvl caption: WARNING: " + w));
        StreamSettings streamSettings = streamSettings();
        List<Path> videos = findVideos(err);
        Path errorsPath = errors != null ? errors : defaultErrorsPath(output);
        RunFiles.check(output, errorsPath, videos);
        String fingerprint = RunFingerprint.of(config, settings,
                new QwenPromptFormatter(config.modelVariant().family().defaultSystemPrompt())
                        .format(settings.instruction()));
        python.apply();
        if (verbose) {
            CliLogging.verbose();
        }
        if (settings.captionSchema() != null) { // vLLM's grammar backend must compile it: before any load
            try {
                new JepSchemaCheck(PythonRuntime.shared()).check(settings.captionSchema().output(),
                        settings.captionSchema().name());
            } catch (JsonSchemaException e) {
                throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
            }
        }
        boolean terminal = System.console() != null;
        try (OutputLock owned = OutputLock.acquire(output, errorsPath); // one run owns the output: before any repair or load
             CaptionsFile captions = openOutput(err);
             ErrorsFile errorsFile = openErrors(errorsPath)) {
            CaptionJob.Plan plan = CaptionJob.plan(videos, captions.resumeState(), fingerprint);
            ConsoleProgress progress = new ConsoleProgress(err, terminal, plan.pending().size(), System::nanoTime);
            if (plan.pending().isEmpty()) {
                progress.finish("qwenvl caption: nothing to do: all " + videos.size() + " videos are already in " + output);
                return ExitCodes.OK;
            }
            InterruptNotice notice = InterruptNotice.install(err, progress::videosDone, plan.pending().size(),
                    String.valueOf(output), captions, errorsFile);
            try (QwenVL model = openModel(config)) {
                if (java.nio.file.Files.exists(config.weightsPath().resolve("RANDOM_WEIGHTS.txt"))) {
                    err.println("qwenvl caption: NOTE: " + config.weightsPath() + " holds RANDOM weights (a generated "
                            + "test model): its captions are noise");
                }
                if (terminal) {
                    err.println("qwenvl caption: " + (engineUrl != null ? "connecting to " + engineUrl
                            : "loading " + config.modelId() + " from " + config.weightsPath()) + " ...");
                    err.flush();
                }
                checkPromptsFit(model, settings);
                model.setup();
                VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(PythonRuntime.shared()), settings);
                progress.start();
                // the stream restarts an engine whose process died (once per run) and captions its windows again
                CaptionJob job = new CaptionJob((sources, p, onVideo) -> captioner.stream(sources, streamSettings, p,
                        onVideo), config.modelId(), fingerprint, captions, errorsFile, progress);
                RunSummary summary = job.run(plan, videos.size());
                InterruptNotice.awaitHaltIfStopping(); // a run cut short by the JVM's shutdown reports through the notice
                progress.finish(summaryLine(summary, errorsPath));
                err.println("qwenvl caption: to see each window's frames beside its caption: qwenvl review " + output + " -o review.html");
                out.flush();
                return summary.failed() > 0 ? ExitCodes.SOME_FAILED : ExitCodes.OK;
            } finally {
                notice.remove();
            }
        }
    }

    /**
     * The model on the embedded vLLM, or, with {@code --engine-url}, on the HTTP engine: videos are
     * decoded here as always and the engine reads the decoded frames back from Python.
     */
    private QwenVL openModel(QwenVlConfig config) {
        if (engineUrl == null) {
            if (engineModel != null) {
                throw new CliFailure(ExitCodes.CANNOT_START, "--engine-model names the model of the server at "
                        + "--engine-url; add --engine-url, or leave --engine-model out");
            }
            return QwenVL.create(config);
        }
        if (devices != null) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--devices starts embedded engines; the server at " + engineUrl
                    + " runs on the devices it was started with (run one vllm serve per device, or use --devices "
                    + "without --engine-url)");
        }
        if (!engineArgs.isEmpty()) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--engine-arg configures the embedded vLLM; the server at "
                    + engineUrl + " runs with its own arguments (give them to vllm serve), so leave --engine-arg out");
        }
        OpenAiEngineConfig http;
        try {
            http = OpenAiEngineConfig.builder(engineUrl, engineModel != null ? engineModel : config.modelId())
                    .requestTimeout(Duration.ofSeconds(engineTimeoutSeconds))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--engine-url/--engine-timeout: " + e.getMessage(), e);
        }
        return new QwenVL(config, OpenAiHttpEngine.factory(http, new PythonFramesReader(PythonRuntime.shared())));
    }

    /**
     * Refuses (exit 2) a caption or stage-2 prompt that cannot fit the model's context, counted with
     * the model's own tokenizer before the weights load. Skipped when the weights folder has no
     * tokenizer to count with (loading then reports what is missing).
     */
    private void checkPromptsFit(QwenVL model, CaptionSettings settings) {
        QwenVlConfig config = model.config();
        QwenPromptFormatter formatter = new QwenPromptFormatter(config.modelVariant().family().defaultSystemPrompt());
        List<String> prompts = new java.util.ArrayList<>();
        prompts.add(formatter.format(settings.instruction()));
        if (settings.stage2()) {
            prompts.add(formatter.format(config.stage2PromptText()));
        }
        PromptBudget budget = PromptBudget.of(model);
        new JepTokenCounter(PythonRuntime.shared()).count(config.weightsPath(), prompts).ifPresent(tokens -> {
            try {
                budget.check(prompt != null ? "the --prompt text" : "the caption prompt", tokens.get(0));
                if (tokens.size() > 1) {
                    budget.check("the stage-2 prompt (its instruction plus a stage-1 caption of up to "
                            + config.maxOutputTokens() + " tokens)", tokens.get(1) + config.maxOutputTokens());
                }
            } catch (IllegalArgumentException e) {
                throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
            }
        });
    }

    /** What the user should hear about options that no longer do anything. */
    /** --frames-in-flight-mib and --decode-threads as the stream takes them. */
    StreamSettings streamSettings() {
        if (framesInFlightMib < 1) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--frames-in-flight-mib must be at least 1, got "
                    + framesInFlightMib);
        }
        if (decodeThreads == null || decodeThreads < 1) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--decode-threads must be at least 1, got " + decodeThreads);
        }
        return StreamSettings.builder().framesInFlightBytes(framesInFlightMib * 1024L * 1024L)
                .decodeThreads(decodeThreads).build();
    }

    List<String> deprecationWarnings() {
        List<String> warnings = new java.util.ArrayList<>();
        if (batchSize != null) {
            warnings.add("--batch-size is deprecated and ignored: windows stream into vLLM's running batch, which vLLM"
                    + " bounds (--engine-arg max_num_seqs=N); --frames-in-flight-mib bounds the frames held");
        }
        if (groupSize != null) {
            warnings.add("--group-size is deprecated and ignored: videos stream, and each is written as soon as it is"
                    + " done; --frames-in-flight-mib bounds the frames held");
        }
        return warnings;
    }

    QwenVlConfig modelConfig() {
        try {
            return QwenVlConfig.builder()
                    .modelDir(model.modelDir)
                    .modelVariant(model.variant)
                    .fp8(fp8)
                    .maxOutputTokens(maxOutputTokens)
                    .modelDoesPreprocess(modelDoesPreprocess)
                    .disableMmcache(disableMmcache)
                    .stage2PromptText(stage2Prompt)
                    .verbose(verbose)
                    .samplingSeed(seed)
                    .extraEngineArgs(EngineArgValues.parse(engineArgs))
                    .devices(devices == null ? Devices.DEFAULT : Devices.parse(devices))
                    .poolFill(poolFill)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
    }

    CaptionSettings captionSettings() {
        if (stage2Prompt != null && !stage2) {
            throw new CliFailure(ExitCodes.CANNOT_START, "--stage2-prompt is the instruction of the second pass; add "
                    + "--stage2 to run it, or leave --stage2-prompt out");
        }
        try {
            WindowingConfig.Builder windowing = WindowingConfig.builder().samplingFps(samplingFps).windowFrames(windowFrames);
            if (windowFrames != WindowingConfig.DEFAULT_WINDOW_FRAMES) {
                int half = windowFrames / 2;
                windowing.minRemainderFrames(Math.max(WindowingConfig.DEFAULT_MIN_SAMPLED_FRAMES, half));
            }
            return CaptionSettings.builder().promptVariant(promptVariant).promptText(prompt).windowing(windowing.build())
                    .stage2(stage2).captionSchema(captionSchema == null ? null : CaptionSchema.read(captionSchema)).build();
        } catch (IllegalArgumentException | JsonSchemaException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
    }

    private List<Path> findVideos(PrintWriter err) throws IOException {
        VideoFinder.Scan scan;
        try {
            scan = VideoFinder.scan(inputs);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
        if (!scan.skipped().isEmpty()) {
            err.println("qwenvl caption: " + scan.skipSummary() + (verbose ? ":" : " (--verbose lists them)"));
            if (verbose) {
                scan.skipped().forEach(s -> err.println("  skipped " + s.path() + ": " + s.reason().description()));
            }
        }
        List<Path> videos = scan.videos();
        if (videos.isEmpty()) {
            throw new CliFailure(ExitCodes.CANNOT_START, "no videos found in " + inputs + " (looked for files ending in "
                    + String.join(", ", VideoFinder.EXTENSIONS) + ")");
        }
        return videos;
    }

    private CaptionsFile openOutput(PrintWriter err) {
        try {
            return CaptionsFile.open(output, err);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, "cannot open the output " + output + ": " + e, e);
        }
    }

    private static ErrorsFile openErrors(Path path) {
        try {
            return ErrorsFile.open(path);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, "cannot open the errors file " + path + ": " + e, e);
        }
    }

    /** {@code out.jsonl} -> {@code out.errors.jsonl}; {@code out} -> {@code out.errors.jsonl}. */
    static Path defaultErrorsPath(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return output.resolveSibling(base + ".errors.jsonl");
    }

    private String summaryLine(RunSummary s, Path errorsPath) {
        return String.format(Locale.ROOT, "qwenvl caption: %d videos: %d captioned, %d already done, %d failed%s; "
                        + "%d windows in %.1f s (%.2f captions/s) -> %s",
                s.videos(), s.captioned(), s.skipped(), s.failed(), s.failed() > 0 ? " (see " + errorsPath + ")" : "",
                s.windows(), s.seconds(), s.captionsPerSecond(), output);
    }
}
