package dev.qwenvl.model;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDeaths;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.JsonSchemaOutput;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Captions videos with a Qwen vision-language model through an {@link LlmEngine}.
 *
 * <p>Lifecycle (see {@link ModelInterface}): the constructor only derives the engine arguments
 * and sampling parameters ({@link QwenVlSettings}); {@link #setup()} starts the engine through
 * the factory (a second call is a no-op while the engine lives, and restarts an engine whose
 * process died, see {@link #restartIfDead()}; a failed start leaves the model unstarted so setup
 * may be retried); {@link #close()} closes the engine once and is idempotent. Generating before
 * setup, or setting up or generating after close, throws {@link ModelStateException}.
 *
 * <p>One path: every input reaches the engine through {@link LlmEngine#submit}, the engine's one
 * primitive. {@link #submit(EngineRequest, boolean)} hands one input over and returns a future of
 * its caption; {@link #generate(List, boolean, int)} runs a list through the same submit, at most
 * {@code batchSize} inputs submitted and unfinished at a time (the next input is submitted as soon
 * as one finishes), and returns one caption per input, in input order. When an input fails, the
 * failure is logged at ERROR with the input's position and stage and rethrown unchanged; no later
 * input is submitted and no captions are returned. Waits never outlast the engine: they ask
 * {@link EngineDeaths#of} every {@link EngineDeaths#LIVENESS_CHECK_MILLIS} ms.
 *
 * <p>Stage 2 (written once, in {@link TwoStage}): each input's stage-2 request enters the engine
 * as soon as its stage-1 caption arrives, carrying {@link QwenVlConfig#stage2PromptText()}
 * followed by that caption: as its new instruction when the input carries an instruction
 * ({@link ChatPrompt.Instruction}), or put into a caller-templated prompt by
 * {@link dev.qwenvl.prompt.Stage2Rewriter}; only stage-2 captions are returned. An input whose
 * templated prompt cannot be rewritten (no {@code user_prompt} placeholder, no chat user turn)
 * keeps its stage-1 caption instead of being sent again unchanged, with a WARN.
 *
 * <p>Thread safety: all methods may be called from any thread. Lifecycle state is guarded by a
 * read-write lock: {@code generate} holds the read lock for its whole run, so any number of
 * generate calls proceed concurrently (the engine is thread-safe by contract) and each caller
 * gets only its own captions; {@code setup}, {@link #restartIfDead()} and {@code close} take the
 * write lock, so {@code close} waits until running generate calls have finished and never pulls
 * the engine out from under them. {@code submit} holds the read lock only while submitting:
 * {@link #close()} does not wait for submitted requests, it aborts them (their futures fail with
 * an {@link EngineException} saying the engine was closed).
 *
 * <p>Logging: per-input progress of {@code generate} at INFO when {@link QwenVlConfig#verbose()}
 * is set, otherwise at DEBUG.
 */
public final class QwenVL implements ModelInterface {

    /**
     * The seed's batch size: the default of {@link QwenVlConfig#captionBatchSize()}, the most
     * inputs {@link #generate(List)} keeps in flight. The one home of this default.
     */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private static final Logger LOG = LoggerFactory.getLogger(QwenVL.class);

    private enum State { NEW, READY, CLOSED }

    private final QwenVlConfig config;
    private final LlmEngineFactory engineFactory;
    private final EngineArgs engineArgs;
    private final SamplingParams samplingParams;
    private final TwoStage twoStage;
    private final Level progressLevel;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}. */
    private State state = State.NEW;
    /** Guarded by {@link #lock}; non-null exactly when {@code state == READY}. */
    private LlmEngine engine;
    /** Engines started so far (the first and every restart). */
    private final java.util.concurrent.atomic.AtomicInteger engineStarts = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param config        the model settings
     * @param engineFactory starts the engine in {@link #setup()}
     */
    public QwenVL(QwenVlConfig config, LlmEngineFactory engineFactory) {
        this.config = Objects.requireNonNull(config, "config");
        this.engineFactory = Objects.requireNonNull(engineFactory, "engineFactory");
        this.engineArgs = QwenVlSettings.engineArgs(config);
        this.samplingParams = QwenVlSettings.samplingParams(config);
        this.progressLevel = config.verbose() ? Level.INFO : Level.DEBUG;
        this.twoStage = new TwoStage(config.stage2PromptText(), samplingParams);
    }

    /**
     * A QwenVL on the installed {@link InferenceBackend} (vLLM in the process-wide embedded Python),
     * which starts on the first {@link #setup()}.
     */
    public static QwenVL create(QwenVlConfig config) {
        return new QwenVL(config, InferenceBackend.installed().engineFactory());
    }

    /**
     * Makes {@code modelDir} hold the default variant's ({@link ModelVariant#QWEN}) weights at its
     * pinned revision, in {@code modelDir/<model id>}: the seed's {@code download_weights_on_node}.
     * Uses the installed {@link InferenceBackend} (the process-wide embedded Python); the token comes from {@code HF_TOKEN} (or the token
     * file of {@code hf auth login}), the hub from {@code HF_ENDPOINT} (default huggingface.co).
     * A complete copy is detected without any network request, so calling this on every node
     * before {@link #setup()} is cheap.
     *
     * @throws WeightsDownloadException naming the model, the revision and the fix
     */
    public static WeightsSnapshot downloadWeightsOnNode(Path modelDir) {
        return downloadWeightsOnNode(modelDir, ModelVariant.QWEN, WeightsDownloadOptions.defaults());
    }

    /**
     * Like {@link #downloadWeightsOnNode(Path)} for {@code variant}, with an explicit token and
     * endpoint ({@code null} for the defaults).
     */
    public static WeightsSnapshot downloadWeightsOnNode(Path modelDir, ModelVariant variant, String token, String endpoint) {
        return downloadWeightsOnNode(modelDir, variant, WeightsDownloadOptions.defaults().withToken(token).withEndpoint(endpoint));
    }

    /** Like {@link #downloadWeightsOnNode(Path)} for {@code variant}, with every download option. */
    public static WeightsSnapshot downloadWeightsOnNode(Path modelDir, ModelVariant variant, WeightsDownloadOptions options) {
        return InferenceBackend.installed().weightsDownloader().download(variant, modelDir, options);
    }

    public QwenVlConfig config() {
        return config;
    }

    /** The engine arguments {@link #setup()} starts the engine with. */
    public EngineArgs engineArgs() {
        return engineArgs;
    }

    /** The sampling parameters of every engine call. */
    public SamplingParams samplingParams() {
        return samplingParams;
    }

    /** The variant's model id, as a one-element list. */
    @Override
    public List<String> modelIdNames() {
        return List.of(config.modelId());
    }

    /**
     * Starts the engine. Idempotent while the engine lives; after the engine's process died
     * ({@link EngineDeaths#of} says so), closes the dead engine and starts a new one, as
     * {@link #restartIfDead()} does.
     *
     * @throws ModelStateException when the model was closed
     * @throws EngineException     when the engine cannot start (the model stays unstarted)
     */
    @Override
    public void setup() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (state == State.READY && !closeIfDead()) {
                return;
            }
            start();
        } finally {
            write.unlock();
        }
    }

    /**
     * The library's restart of a dead engine, for callers that run under their own restart policy
     * (a stream that allows one restart per run, say): when the engine's process died
     * ({@link EngineDeaths#of}), logs the death with its cause at WARN, closes the dead engine and
     * starts a new one. Does nothing while the engine lives. Safe from any thread; waits for
     * running {@link #generate} calls (they end once the engine died).
     *
     * @return true when a dead engine was replaced by a new one; false when the engine lives
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     * @throws EngineException     when the new engine cannot start (the model is then unstarted,
     *                             and {@link #setup()} may be retried)
     */
    public boolean restartIfDead() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            readyEngine();
            if (!closeIfDead()) {
                return false;
            }
            start();
            return true;
        } finally {
            write.unlock();
        }
    }

    /** Closes the engine when it died (the model is then NEW); false while it lives. Holds the write lock. */
    private boolean closeIfDead() {
        Optional<EngineDiedException> death = EngineDeaths.of(engine);
        if (death.isEmpty()) {
            return false;
        }
        LOG.warn("The engine for {} died ({}); closing it and starting a new one", config.modelId(),
                death.get().getMessage());
        LlmEngine dead = engine;
        engine = null;
        state = State.NEW;
        dead.close();
        return true;
    }

    /** Starts the engine from NEW. Holds the write lock. */
    private void start() {
        if (state == State.CLOSED) {
            throw new ModelStateException("QwenVL (" + config.modelId() + ") was closed and cannot be set up "
                    + "again; create a new QwenVL instead");
        }
        LOG.info("Starting engine for {} (revision {}) from {}: quantization={}, mm_processor_cache_gb={}",
                config.modelId(), config.modelVariant().revision(), engineArgs.model(),
                engineArgs.quantization(), engineArgs.mmProcessorCacheGb());
        LlmEngine started = config.devices().isDefault() ? engineFactory.start(engineArgs)
                : EnginePool.start(engineFactory, engineArgs, config.devices(),
                        EnginePool.Options.DEFAULTS.withFill(config.poolFill()));
        if (started == null) {
            throw new EngineException("engine factory returned no engine for " + engineArgs.model());
        }
        engine = started;
        state = State.READY;
        engineStarts.incrementAndGet();
    }

    /**
     * How many engines this model has started: the first {@link #setup()} and every restart. A
     * caller that saw a request fail with {@link dev.qwenvl.engine.EngineDiedException} compares it
     * with the count when it submitted, to tell whether the engine that died was replaced already.
     */
    public int engineStarts() {
        return engineStarts.get();
    }

    /**
     * Captions {@code videos} without stage 2, at most {@link QwenVlConfig#captionBatchSize()}
     * inputs in flight ({@link #DEFAULT_BATCH_SIZE} unless configured).
     *
     * @see #generate(List, boolean, int)
     */
    public List<String> generate(List<EngineRequest> videos) {
        return generate(videos, false, config.captionBatchSize());
    }

    /**
     * Captions {@code videos}: one caption per request, in request order. The texts of
     * {@link #generateCaptions(List, boolean, int)}.
     *
     * @param videos                 the requests (prompt + video); an empty list returns an empty
     *                               list without calling the engine
     * @param generateStage2Caption  whether to run the stage-2 refinement (see class notes)
     * @param batchSize              the most inputs submitted and unfinished at a time (stage 2
     *                               included), at least 1
     * @throws ModelStateException   before {@link #setup()} or after {@link #close()}
     * @throws EngineException       (or any other exception of the engine) when an input fails;
     *                               it is logged with the input's position and stage first
     * @throws EngineDiedException   when the engine died with inputs still open
     */
    public List<String> generate(List<EngineRequest> videos, boolean generateStage2Caption, int batchSize) {
        return generateCaptions(videos, generateStage2Caption, batchSize).stream().map(Caption::text).toList();
    }

    /**
     * Like {@link #generate(List, boolean, int)}, each caption with the facts of how the engine
     * made it ({@link Caption}: finish reason, truncation, token counts, the engine's times, and
     * stage 1's generation beside a stage-2 caption).
     */
    public List<Caption> generateCaptions(List<EngineRequest> videos, boolean generateStage2Caption, int batchSize) {
        Objects.requireNonNull(videos, "videos");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        for (int i = 0; i < videos.size(); i++) {
            if (videos.get(i) == null) {
                throw new IllegalArgumentException("videos[" + i + "] is null; every input needs a request");
            }
        }
        Lock read = lock.readLock();
        read.lock();
        try {
            LlmEngine current = readyEngine();
            if (videos.isEmpty()) {
                return List.of();
            }
            return new InFlightWindow(current, twoStage, progressLevel).run(videos, generateStage2Caption, batchSize);
        } finally {
            read.unlock();
        }
    }

    /**
     * Submits one input to the engine's request stream; the future completes with its caption
     * (the stage-2 caption when {@code generateStage2Caption} is set and the prompt could be
     * rewritten, as in {@link #generate(List, boolean, int)}), or fails with the engine's
     * exception for this input alone. Returns at once; safe from any thread. The text of
     * {@link #submitCaption}.
     *
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     */
    public CompletableFuture<String> submit(EngineRequest video, boolean generateStage2Caption) {
        return submitCaption(video, generateStage2Caption).thenApply(Caption::text);
    }

    /**
     * {@link #submit(EngineRequest, boolean)} with decoding constrained to {@code jsonSchema}
     * ({@code null}: free text): the caption is JSON text the engine's grammar kept to the schema,
     * unless it stopped early (at the output token limit). With stage 2 both passes are
     * constrained: stage 2 refines the stage-1 JSON under the same schema.
     *
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     */
    public CompletableFuture<String> submit(EngineRequest video, boolean generateStage2Caption, JsonSchemaOutput jsonSchema) {
        return submitCaption(video, generateStage2Caption, jsonSchema).thenApply(Caption::text);
    }

    /**
     * Like {@link #submit}, the future completing with the {@link Caption}: the text and the facts
     * of how the engine made it.
     *
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     */
    public CompletableFuture<Caption> submitCaption(EngineRequest video, boolean generateStage2Caption) {
        return submitCaption(video, generateStage2Caption, null);
    }

    /**
     * {@link #submitCaption(EngineRequest, boolean)} with decoding constrained to {@code jsonSchema}
     * ({@code null}: free text), both passes when stage 2 runs.
     *
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     */
    public CompletableFuture<Caption> submitCaption(EngineRequest video, boolean generateStage2Caption,
                                                    JsonSchemaOutput jsonSchema) {
        Objects.requireNonNull(video, "video");
        Lock read = lock.readLock();
        read.lock();
        try {
            return twoStage.submit(readyEngine(), video, generateStage2Caption, "An input", stage -> { },
                    jsonSchema == null ? samplingParams : samplingParams.withJsonSchema(jsonSchema));
        } finally {
            read.unlock();
        }
    }

    /** What the engine's request stream has done so far ({@link StreamStats#NONE} when not set up). */
    public StreamStats streamStats() {
        Lock read = lock.readLock();
        read.lock();
        try {
            return state == State.READY ? engine.streamStats() : StreamStats.NONE;
        } finally {
            read.unlock();
        }
    }

    private LlmEngine readyEngine() {
        switch (state) {
            case READY:
                return engine;
            case NEW:
                throw new ModelStateException("QwenVL (" + config.modelId() + ") is not set up; call setup() "
                        + "before generate()");
            default:
                throw new ModelStateException("QwenVL (" + config.modelId() + ") is closed; create and set up "
                        + "a new QwenVL to generate again");
        }
    }

    /** Closes the engine (once) and marks the model closed. Idempotent; waits for running generate calls. */
    @Override
    public void close() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            LlmEngine toClose = engine;
            engine = null;
            state = State.CLOSED;
            if (toClose != null) {
                LOG.info("Closing engine for {}", config.modelId());
                toClose.close();
            }
        } finally {
            write.unlock();
        }
    }
}
