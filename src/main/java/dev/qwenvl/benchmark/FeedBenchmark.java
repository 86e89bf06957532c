package dev.qwenvl.benchmark;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.jep.BenchmarkClips;
import dev.qwenvl.jep.FeedProbes;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.DecodeLane;
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
 * <p>Seven passes over the same clips, in one run so that their ratios hold:
 * <ol>
 *   <li>decode-only, 1 lane: probe + prepare through the stream, the engine answering at once on the
 *       Java side ({@link InstantEngine}), FFmpeg threads by the lane rule (all the cores);</li>
 *   <li>decode-only, 1 lane with as many FFmpeg threads as each of the K lanes gets
 *       ({@link SameThreadsDecoder}): the baseline of how the lanes scale;</li>
 *   <li>decode-only, {@code decodeThreads} lanes ({@link StreamSettings#decodeThreads()}), FFmpeg
 *       threads by the lane rule;</li>
 *   <li>frontend-only: the windows decoded beforehand ({@link PreparedVideos}), one engine with the
 *       instant core;</li>
 *   <li>pipeline: everything, one engine with the instant core, {@code decodeThreads} lanes;</li>
 *   <li>pool: the pipeline with a pool of {@code poolEngines} engines whose cores sleep
 *       {@code poolStepMs} per step (an accelerator step: the sleep is in the engine-core process),
 *       routed by the pool's fill ({@code poolFill}); the report lists the windows each engine took;</li>
 *   <li>pipeline again, after the pool: the pool is compared with the mean of the two pipeline
 *       passes around it, so that a drift in the machine's speed falls on both sides.</li>
 * </ol>
 * vLLM's processor cache is off for the engine passes ({@link QwenVlConfig#disableMmcache()}): the
 * passes caption the same frames, and a cache hit would skip the very processing measured.
 * Around each pass the CPU time of the interpreter's Python threads
 * ({@link FeedProbes#pythonThreadCpuSeconds}), of the JVM process and of its child processes (the
 * engine cores; {@link ProcessCpu}) and the engine's step count ({@link QwenVL#streamStats()}) are
 * read, so that a pass's cost per window can be split between the front end and the engine cores.
 * Figures only: nothing fails on time.
 */
public final class FeedBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(FeedBenchmark.class);

    private final PythonRuntime runtime;
    private final Accelerator accelerator;
    /** When the running pass last handed a request to an engine (passes run one at a time). */
    private final SubmitClock clock = new SubmitClock();

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
        int threadsPerLane = DecodeLane.codecThreads(lanes, Runtime.getRuntime().availableProcessors());
        FeedPhase one = decodeOnly("decode_1_lane", instantJava, decoder, settings, sources, 1);
        FeedPhase oneSame = decodeOnly("decode_1_lane_" + threadsPerLane + (threadsPerLane == 1 ? "_thread" : "_threads"),
                instantJava, new SameThreadsDecoder(decoder, threadsPerLane), settings, sources, 1);
        FeedPhase many = decodeOnly("decode_" + lanes + "_lanes", instantJava, decoder, settings, sources, lanes);

        FeedPhase frontend;
        FeedPhase pipeline;
        FeedPhase pool;
        FeedPhase pipelineAgain;
        double engineStart = Double.NaN;
        String poolKey = "pool_" + config.poolEngines();
        String poolWhat = String.format(Locale.ROOT, "pipeline, pool of %d engines (fill %d), instant cores sleeping %.1f ms "
                + "per step", config.poolEngines(), config.poolFill(), config.poolStepMs());
        // One set of engines serves every engine pass: the pool starts with cores that answer at
        // once, the one-engine passes borrow its first member (the others idle: an idle engine core
        // waits on its input queue and takes no CPU), then every core is set to sleep poolStepMs
        // per step for the pool pass. An engine start (importing vLLM in the spawned engine-core
        // process) is the most expensive thing the benchmark does; this saves one.
        List<JepLlmEngine> started = Collections.synchronizedList(new ArrayList<>());
        List<CountingEngine> members = Collections.synchronizedList(new ArrayList<>()); // the pool's, in device order
        LlmEngineFactory startAndKeep = args -> {
            JepLlmEngine engine = JepLlmEngine.start(runtime, args);
            started.add(engine);
            CountingEngine counted = new CountingEngine(engine); // ignore_eos: every caption is max_tokens long
            members.add(counted);
            return clock.watch(counted);
        };
        List<Integer> poolWindowsPerEngine = List.of();
        QwenVlConfig oneEngine = modelConfig(config, modelDir, 1, 0);
        try (QwenVL engines = new QwenVL(modelConfig(config, modelDir, config.poolEngines(), 0), startAndKeep)) {
            long t0 = System.nanoTime();
            engines.setup();
            engineStart = (System.nanoTime() - t0) / 1e9;
            LOG.info("feed: {} engines with the instant core started in {} s", started.size(),
                    String.format(Locale.ROOT, "%.1f", engineStart));
            JepLlmEngine first = started.get(0);
            try (QwenVL model = new QwenVL(oneEngine, args -> clock.watch(new BorrowedEngine(new CountingEngine(first))))) {
                model.setup();
                try (PreparedVideos prepared = prepare(decoder, oneEngine, settings, sources)) {
                    pass("warm-up", "", model, prepared, settings, sources.subList(0, 1), lanes);
                    frontend = pass("frontend", "windows decoded beforehand, vLLM's front end, 1 engine, instant core",
                            model, prepared, settings, sources, lanes);
                }
                String pipelineWhat = "decode (" + lanes + " lanes) + vLLM's front end, 1 engine, instant core";
                pipeline = pass("pipeline", pipelineWhat, model, decoder, settings, sources, lanes);
                for (JepLlmEngine engine : List.copyOf(started)) {
                    FeedProbes.setInstantStepMs(runtime, engine, config.poolStepMs());
                }
                pass("warm-up", "", engines, decoder, settings, sources.subList(0, 1), lanes);
                List<Integer> before = members.stream().map(CountingEngine::requests).toList();
                pool = pass(poolKey, poolWhat, engines, decoder, settings, sources, lanes);
                List<Integer> after = members.stream().map(CountingEngine::requests).toList();
                poolWindowsPerEngine = java.util.stream.IntStream.range(0, after.size())
                        .mapToObj(i -> after.get(i) - before.get(i)).toList();
                // The pipeline once more after the pool: the pool is compared with the mean of the
                // two, so that a machine whose speed drifts during the run (a shared VM) weighs on
                // both sides alike.
                FeedProbes.setInstantStepMs(runtime, first, 0);
                pipelineAgain = pass("pipeline_again", pipelineWhat + ", after the pool", model, decoder, settings, sources,
                        lanes);
            }
        } catch (EngineException e) {
            LOG.warn("feed: the engines with the instant core did not start: {}", e.getMessage());
            frontend = FeedPhase.failed("frontend", "", e.getMessage());
            pipeline = FeedPhase.failed("pipeline", "", e.getMessage());
            pool = FeedPhase.failed(poolKey, poolWhat, e.getMessage());
            pipelineAgain = FeedPhase.failed("pipeline_again", "", e.getMessage());
        }
        return new FeedReport(accelerator, config.variant(), config.architecture(), sources.size(), config.maxOutputTokens(),
                lanes, threadsPerLane, config.poolEngines(), config.poolStepMs(), config.poolFill(), poolWindowsPerEngine,
                engineStart, one, oneSame, many,
                frontend, pipeline, pool, pipelineAgain);
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
                .samplingSeed(0)
                .poolFill(config.poolFill());
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
        try (QwenVL instant = new QwenVL(model, args -> clock.watch(new InstantEngine()))) {
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
        StreamStats stepsBefore = model.streamStats();
        Map<Long, Double> before = FeedProbes.pythonThreadCpuSeconds(runtime);
        ProcessCpu cpuBefore = ProcessCpu.now();
        clock.reset();
        long t0 = System.nanoTime();
        List<VideoCaptions> results = captioner.caption(sources, stream, CaptionProgress.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double fedSeconds = clock.secondsSince(t0);
        ProcessCpu cpuAfter = ProcessCpu.now();
        double cpu = FeedProbes.cpuSecondsBetween(before, FeedProbes.pythonThreadCpuSeconds(runtime));
        StreamStats stepsAfter = model.streamStats();
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
        FeedPhase phase = new FeedPhase(key, what, windows, failed, seconds, fedSeconds, cpu, cpuAfter.processSecondsSince(cpuBefore),
                cpuAfter.childSecondsSince(cpuBefore), stepsAfter.steps() - stepsBefore.steps(),
                stepsAfter.batched() - stepsBefore.batched(), null);
        LOG.info("feed: {}", phase.line());
        return phase;
    }
}
