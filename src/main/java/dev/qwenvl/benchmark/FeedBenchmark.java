package dev.qwenvl.benchmark;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.jep.BenchmarkClips;
import dev.qwenvl.jep.FeedProbes;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feed ceiling: how many windows/s this machine's CPU can hand the engines, whatever the
 * accelerator. Runs the library's real caption path ({@link VideoCaptioner}'s stream: probe,
 * decode, resize, and vLLM's real front end: renderer, Hugging Face video processor, tokenizer,
 * input and output processing, detokenizer) with vLLM's model executor replaced by an instant
 * stand-in ({@link FeedProbes#instantCoreEngineArgs}): no weights, each step answers every request
 * with one token, so each window gets exactly {@code maxOutputTokens} tokens at once.
 *
 * <p>Five passes over the same clips, in one run so that their ratios hold:
 * <ol>
 *   <li>decode-only, 1 lane: probe + prepare through the stream, the engine answering at once on the
 *       Java side ({@link InstantEngine});</li>
 *   <li>decode-only, {@code decodeThreads} lanes ({@link StreamSettings#decodeThreads()});</li>
 *   <li>frontend-only: the windows decoded beforehand ({@link PreparedVideos}), one engine with the
 *       instant core;</li>
 *   <li>pipeline: everything, one engine with the instant core, {@code decodeThreads} lanes;</li>
 *   <li>pool: the pipeline with a pool of {@code poolEngines} engines whose cores sleep
 *       {@code poolStepMs} per step (an accelerator step: the sleep is in the engine-core process).</li>
 * </ol>
 * vLLM's processor cache is off for the engine passes ({@link QwenVlConfig#disableMmcache()}): the
 * passes caption the same frames, and a cache hit would skip the very processing measured.
 * Around each pass the CPU time of the interpreter's Python threads is read
 * ({@link FeedProbes#pythonThreadCpuSeconds}). Figures only: nothing fails on time.
 */
public final class FeedBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(FeedBenchmark.class);

    private final PythonRuntime runtime;
    private final Accelerator accelerator;

    public FeedBenchmark(PythonRuntime runtime) {
        this(runtime, Accelerator.detect());
    }

    public FeedBenchmark(PythonRuntime runtime, Accelerator accelerator) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
    }

    /**
     * Runs the five passes.
     *
     * @throws IllegalArgumentException when the tiny model (tokenizer source) is missing
     */
    public FeedReport run(FeedConfig config) {
        Objects.requireNonNull(config, "config");
        Path modelDir = config.workDir().resolve("model-feed-" + config.architecture().key());
        DummyModel.write(config.variant(), config.architecture(),
                config.tinyModelDir().resolve(config.variant().modelId()), modelDir);
        List<VideoSource> sources = sources(config);
        CaptionSettings settings = CaptionSettings.defaults();
        VideoDecoder decoder = new JepVideoDecoder(runtime);
        int lanes = config.decodeThreads();

        QwenVlConfig instantJava = modelConfig(config, modelDir, 1, 0);
        warmUpDecoder(instantJava, decoder, settings, sources.get(0));
        FeedPhase one = decodeOnly("decode_1_lane", instantJava, decoder, settings, sources, 1);
        FeedPhase many = decodeOnly("decode_" + lanes + "_lanes", instantJava, decoder, settings, sources, lanes);

        FeedPhase frontend;
        FeedPhase pipeline;
        double engineStart = Double.NaN;
        QwenVlConfig oneEngine = modelConfig(config, modelDir, 1, 0);
        try (QwenVL model = new QwenVL(oneEngine, engineFactory())) {
            long t0 = System.nanoTime();
            model.setup();
            engineStart = (System.nanoTime() - t0) / 1e9;
            LOG.info("feed: one engine with the instant core started in {} s", String.format(Locale.ROOT, "%.1f", engineStart));
            try (PreparedVideos prepared = prepare(decoder, oneEngine, settings, sources)) {
                pass("warm-up", "", model, prepared, settings, sources.subList(0, 1), lanes);
                frontend = pass("frontend", "windows decoded beforehand, vLLM's front end, 1 engine, instant core",
                        model, prepared, settings, sources, lanes);
            }
            pipeline = pass("pipeline", "decode (" + lanes + " lanes) + vLLM's front end, 1 engine, instant core",
                    model, decoder, settings, sources, lanes);
        } catch (EngineException e) {
            LOG.warn("feed: the engine with the instant core did not start: {}", e.getMessage());
            frontend = FeedPhase.failed("frontend", "", e.getMessage());
            pipeline = FeedPhase.failed("pipeline", "", e.getMessage());
        }

        FeedPhase pool;
        double poolStart = Double.NaN;
        String poolWhat = String.format(Locale.ROOT, "pipeline, pool of %d engines, instant cores sleeping %.1f ms per step",
                config.poolEngines(), config.poolStepMs());
        QwenVlConfig poolConfig = modelConfig(config, modelDir, config.poolEngines(), config.poolStepMs());
        try (QwenVL model = new QwenVL(poolConfig, engineFactory())) {
            long t0 = System.nanoTime();
            model.setup();
            poolStart = (System.nanoTime() - t0) / 1e9;
            LOG.info("feed: pool of {} engines started in {} s", config.poolEngines(), String.format(Locale.ROOT, "%.1f", poolStart));
            pass("warm-up", "", model, decoder, settings, sources.subList(0, 1), lanes);
            pool = pass("pool_" + config.poolEngines(), poolWhat, model, decoder, settings, sources, lanes);
        } catch (EngineException e) {
            LOG.warn("feed: the pool did not start: {}", e.getMessage());
            pool = FeedPhase.failed("pool_" + config.poolEngines(), poolWhat, e.getMessage());
        }
        return new FeedReport(accelerator, config.variant(), config.architecture(), sources.size(), config.maxOutputTokens(),
                lanes, config.poolEngines(), config.poolStepMs(), engineStart, poolStart, one, many, frontend, pipeline, pool);
    }

    private LlmEngineFactory engineFactory() {
        return args -> new CountingEngine(JepLlmEngine.start(runtime, args)); // ignore_eos: every caption is max_tokens long
    }

    /** The model settings of a pass: {@code engines} engines (1: no pool) whose instant cores sleep {@code stepMs}. */
    static QwenVlConfig modelConfig(FeedConfig config, Path modelDir, int engines, double stepMs) {
        QwenVlConfig.Builder b = QwenVlConfig.builder()
                .modelDir(modelDir)
                .modelVariant(config.variant())
                .fp8(false) // no model runs: FP8 would only make vLLM's CPU build refuse to start
                .maxOutputTokens(config.maxOutputTokens())
                .disableMmcache(true)
                .extraEngineArgs(config.extraEngineArgs())
                .samplingSeed(0);
        FeedProbes.instantCoreEngineArgs(stepMs).forEach(b::extraEngineArg);
        if (engines > 1) {
            b.devices(Devices.parse(String.join(",", Collections.nCopies(engines, "cpu"))));
        }
        return b.build();
    }

    private List<VideoSource> sources(FeedConfig config) {
        List<Path> clips = config.clips();
        if (clips.isEmpty()) {
            clips = BenchmarkClips.write(runtime, config.workDir().resolve("clips"), config.generatedClips(), config.clipSeconds());
        }
        return clips.stream().<VideoSource>map(VideoSource.VideoFile::new).toList();
    }

    /** One clip decoded before the measured passes: the JVM and the decoder warm up on it. */
    private void warmUpDecoder(QwenVlConfig model, VideoDecoder decoder, CaptionSettings settings, VideoSource first) {
        decodeOnly("warm-up", model, decoder, settings, List.of(first), 1);
    }

    private FeedPhase decodeOnly(String key, QwenVlConfig model, VideoDecoder decoder, CaptionSettings settings,
                                 List<VideoSource> sources, int lanes) {
        try (QwenVL instant = new QwenVL(model, args -> new InstantEngine())) {
            instant.setup();
            return pass(key, "probe + prepare (" + lanes + (lanes == 1 ? " lane" : " lanes")
                    + "), the engine answering at once on the Java side", instant, decoder, settings, sources, lanes);
        }
    }

    /** Probes and prepares every source once, with the real decoder, as the stream would. */
    private static PreparedVideos prepare(VideoDecoder decoder, QwenVlConfig model, CaptionSettings settings,
                                          List<VideoSource> sources) {
        PreparedVideos prepared = new PreparedVideos();
        try {
            for (VideoSource source : sources) {
                VideoInfo info = decoder.probe(source);
                List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(), settings.windowing());
                PreparedVideo video = decoder.prepare(source, windows, model.modelVariant().keys().get(0), model.modelDoesPreprocess());
                prepared.record(info, video);
            }
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return prepared;
    }

    /** One measured pass: {@code sources} through the caption stream with {@code lanes} decode lanes. */
    private FeedPhase pass(String key, String what, QwenVL model, VideoDecoder decoder, CaptionSettings settings,
                           List<VideoSource> sources, int lanes) {
        StreamSettings stream = StreamSettings.builder().decodeThreads(lanes).build();
        VideoCaptioner captioner = new VideoCaptioner(model, decoder, settings);
        Map<Long, Double> before = FeedProbes.pythonThreadCpuSeconds(runtime);
        long t0 = System.nanoTime();
        List<VideoCaptions> results = captioner.caption(sources, stream, CaptionProgress.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = FeedProbes.cpuSecondsBetween(before, FeedProbes.pythonThreadCpuSeconds(runtime));
        int windows = 0;
        int failed = 0;
        List<String> reasons = new ArrayList<>();
        for (VideoCaptions v : results) {
            windows += v.captions().size();
            if (!v.succeeded()) {
                failed++;
                reasons.add(v.source().displayName() + ": " + v.error().getMessage());
            }
        }
        if (!reasons.isEmpty()) {
            LOG.warn("feed [{}]: {} videos failed, first: {}", key, failed, reasons.get(0));
        }
        FeedPhase phase = new FeedPhase(key, what, windows, failed, seconds, cpu, null);
        LOG.info("feed: {}", phase.line());
        return phase;
    }
}
