package dev.qwenvl.benchmark;

import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StructuredCaptionException;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.jep.BenchmarkClips;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what this machine does with a model's architecture, without its weights: writes a model
 * folder with the variant's published (or the tiny) config and no weights ({@link DummyModel}),
 * starts vLLM with {@code load_format=dummy} through the ordinary caption path ({@link QwenVL},
 * {@link VideoCaptioner}, {@link JepLlmEngine}), and captions the clips once per precision with a
 * fixed output length. Reports engine start time, windows/s, output and prompt tokens/s, peak
 * memory, and the split between decode/preprocess and the engine ({@link BenchmarkReport}).
 *
 * <p>FP8 runs only on a GPU: vLLM's CPU build has no FP8 kernels, so on a CPU it is reported as
 * skipped. A precision whose engine cannot start is reported as failed and the next one runs.
 */
public final class MachineBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(MachineBenchmark.class);

    private final PythonRuntime runtime;
    private final Accelerator accelerator;

    /** A benchmark in {@code runtime} on the machine's accelerator ({@link Accelerator#detect()}). */
    public MachineBenchmark(PythonRuntime runtime) {
        this(runtime, Accelerator.detect());
    }

    /** A benchmark that takes {@code accelerator} as the machine's (tests force a GPU or a CPU with it). */
    public MachineBenchmark(PythonRuntime runtime, Accelerator accelerator) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
    }

    /** The architecture {@code config} runs with on {@code machine}: as configured, else published on a GPU, tiny on a CPU. */
    static BenchmarkArchitecture architectureFor(BenchmarkConfig config, Accelerator machine) {
        return config.architecture().orElse(machine.gpu() ? BenchmarkArchitecture.PUBLISHED : BenchmarkArchitecture.TINY);
    }

    /** Why {@code precision} cannot run on {@code machine}, or null when it can. */
    static String skipReason(Precision precision, Accelerator machine) {
        if (precision == Precision.FP8 && !machine.gpu()) {
            return "vLLM's CPU build has no FP8 kernels (no NVIDIA GPU found)";
        }
        return null;
    }

    /**
     * Runs the benchmark.
     *
     * @throws IllegalArgumentException when the tiny model (tokenizer source) is missing
     */
    public BenchmarkReport run(BenchmarkConfig config) {
        return run(config, null);
    }

    /**
     * Runs the benchmark; with {@code schema} (null: none), each precision's engine then captions the
     * same clips again constrained to it ({@link StructuredPass}), the cost of constrained decoding
     * measured in the same run.
     */
    public BenchmarkReport run(BenchmarkConfig config, CaptionSchema schema) {
        Objects.requireNonNull(config, "config");
        BenchmarkArchitecture architecture = architectureFor(config, accelerator);
        Path modelDir = config.workDir().resolve("model-" + architecture.key());
        DummyModel.write(config.variant(), architecture, config.tinyModelDir().resolve(config.variant().modelId()), modelDir);
        List<VideoSource> sources = sources(config);
        List<PrecisionResult> results = new ArrayList<>();
        for (Precision precision : config.precisions()) {
            String skip = skipReason(precision, accelerator);
            if (skip != null) {
                LOG.info("{}", skip);
                results.add(PrecisionResult.skipped(precision, skip));
                continue;
            }
            results.add(runOne(config, modelDir, precision, sources, schema));
        }
        return new BenchmarkReport(accelerator, config.variant(), architecture, sources.size(), config.maxOutputTokens(), results);
    }

    private List<VideoSource> sources(BenchmarkConfig config) {
        List<Path> clips = config.clips();
        if (clips.isEmpty()) {
            clips = BenchmarkClips.write(runtime, config.workDir().resolve("clips"), config.generatedClips(),
                    config.clipSeconds());
        }
        return clips.stream().<VideoSource>map(VideoSource.VideoFile::new).toList();
    }

    /**
     * The measured pass: the clips through the one caption stream ({@link VideoCaptioner#caption},
     * the stream collected), as users caption, so the engine holds as many requests as its
     * scheduler and the frame budget allow.
     */
    static List<VideoCaptions> captionPass(QwenVL model, VideoDecoder decoder, List<VideoSource> sources) {
        return new VideoCaptioner(model, decoder, CaptionSettings.defaults()).caption(sources);
    }

    /** The clips again on the same engine, constrained to {@code schema}. */
    static StructuredPass structuredPass(QwenVL model, VideoDecoder decoder, List<VideoSource> sources, CaptionSchema schema,
                                         CountingEngine counted, Precision precision) {
        long tokensBefore = counted.outputTokens();
        long pass = System.nanoTime();
        List<VideoCaptions> captions = new VideoCaptioner(model, decoder,
                CaptionSettings.builder().captionSchema(schema).build()).caption(sources);
        double seconds = (System.nanoTime() - pass) / 1e9;
        int valid = 0;
        int invalid = 0;
        for (VideoCaptions c : captions) {
            valid += c.captions().size();
            if (c.error() instanceof StructuredCaptionException e) {
                invalid++; // a video stops at its first invalid window: count it once
                LOG.info("[{}] {}: {}", precision.key(), c.source().displayName(), e.getMessage());
            } else if (!c.succeeded()) {
                LOG.warn("[{}] {} failed with the schema: {}", precision.key(), c.source().displayName(), c.error());
            }
        }
        return new StructuredPass(schema.name(), valid, invalid, seconds, counted.outputTokens() - tokensBefore);
    }

    private PrecisionResult runOne(BenchmarkConfig config, Path modelDir, Precision precision, List<VideoSource> sources,
                                   CaptionSchema schema) {
        QwenVlConfig modelConfig = QwenVlConfig.builder()
                .modelDir(modelDir)
                .modelVariant(config.variant())
                .fp8(precision == Precision.FP8)
                .maxOutputTokens(config.maxOutputTokens())
                .extraEngineArgs(config.extraEngineArgs())
                .extraEngineArg("load_format", "dummy")
                .samplingSeed(0)
                .build();
        AtomicReference<CountingEngine> engine = new AtomicReference<>();
        long start = System.nanoTime();
        try (PeakMemory memory = PeakMemory.start(accelerator);
             QwenVL model = new QwenVL(modelConfig, args -> {
                 CountingEngine counting = new CountingEngine(JepLlmEngine.start(runtime, args));
                 engine.set(counting);
                 return counting;
             })) {
            try {
                model.setup();
            } catch (EngineException e) {
                LOG.warn("[{}] the engine did not start: {}", precision.key(), e.getMessage());
                return PrecisionResult.failed(precision, e.getMessage(), (System.nanoTime() - start) / 1e9);
            }
            double startSeconds = (System.nanoTime() - start) / 1e9;
            LOG.info("[{}] engine started in {} s", precision.key(), String.format("%.1f", startSeconds));
            long pass = System.nanoTime();
            List<VideoCaptions> captions = captionPass(model, new JepVideoDecoder(runtime), sources);
            double totalSeconds = (System.nanoTime() - pass) / 1e9;
            int failed = 0;
            for (VideoCaptions c : captions) {
                if (!c.succeeded()) {
                    failed++;
                    LOG.warn("[{}] {} failed: {}", precision.key(), c.source().displayName(), c.error());
                }
            }
            CountingEngine counted = engine.get();
            int requests = counted.requests();
            double engineSeconds = counted.engineSeconds();
            long promptTokens = counted.promptTokens();
            long outputTokens = counted.outputTokens();
            StructuredPass structured = schema == null ? null
                    : structuredPass(model, new JepVideoDecoder(runtime), sources, schema, counted, precision);
            MemoryReading peak = memory.read();
            return new PrecisionResult(precision, PrecisionResult.Status.RAN, "", startSeconds, requests, failed,
                    totalSeconds, engineSeconds, promptTokens, outputTokens, peak, structured);
        }
    }
}
