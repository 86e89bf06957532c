package dev.qwenvl.model;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.prompt.Stage2Rewrite;
import dev.qwenvl.prompt.Stage2Rewriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
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
 * process died; a failed start leaves the model unstarted so setup may be retried); {@link #close()} closes the engine once and is idempotent. Generating before
 * setup, or setting up or generating after close, throws {@link ModelStateException}.
 *
 * <p>Generation: the inputs are cut into chunks of {@code batchSize}; each chunk is one engine
 * call, or two with stage 2; captions come back one per input, in input order. With stage 2, each
 * input is sent again (same video) with {@link QwenVlConfig#stage2PromptText()} followed by its
 * stage-1 caption: as its new instruction when the input carries an instruction
 * ({@link ChatPrompt.Instruction}), or put into a caller-templated prompt by
 * {@link Stage2Rewriter}; only stage-2 captions are returned. An input whose templated prompt
 * cannot be rewritten (no {@code user_prompt} placeholder, no chat user turn) keeps its stage-1
 * caption instead of being sent again unchanged, and the rewriter logs a WARN. When a chunk fails, the failure is logged
 * at ERROR with the chunk index, its input range and the stage, and the exception is rethrown
 * unchanged; captions of earlier chunks are not returned.
 *
 * <p>Thread safety: all methods may be called from any thread. Lifecycle state is guarded by a
 * read-write lock: {@code generate} holds the read lock for its whole run, so any number of
 * generate calls proceed concurrently (the engine is thread-safe by contract) and each caller
 * gets only its own captions; {@code setup} and {@code close} take the write lock, so
 * {@code close} waits until running generate calls have finished and never pulls the engine out
 * from under them.
 *
 * <p>Streaming: {@link #submit(EngineRequest, boolean)} hands one input to the engine's request
 * stream ({@link LlmEngine#submit}) and returns a future of its caption; with stage 2, the
 * stage-2 request enters the same stream as soon as the stage-1 caption arrives. It holds the
 * read lock only while submitting: {@link #close()} does not wait for submitted requests, it
 * aborts them (their futures fail with an {@link EngineException} saying the engine was closed).
 * {@link #generate(List, boolean, int)} keeps its chunked contract and results; on a streaming
 * engine its chunks go through the same stream once the stream has started.
 *
 * <p>Logging: per-chunk progress at INFO when {@link QwenVlConfig#verbose()} is set, otherwise
 * at DEBUG.
 */
public final class QwenVL implements ModelInterface {

    /** Chunk size of {@link #generate(List)} (the seed's default). */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private static final Logger LOG = LoggerFactory.getLogger(QwenVL.class);

    private enum State { NEW, READY, CLOSED }

    private final QwenVlConfig config;
    private final LlmEngineFactory engineFactory;
    private final EngineArgs engineArgs;
    private final SamplingParams samplingParams;
    private final Stage2Rewriter rewriter = new Stage2Rewriter();
    private final Level progressLevel;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}. */
    private State state = State.NEW;
    /** Guarded by {@link #lock}; non-null exactly when {@code state == READY}. */
    private LlmEngine engine;

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
     * ({@link dev.qwenvl.engine.EngineDiedException}), closes the dead engine and starts a new one.
     *
     * @throws ModelStateException when the model was closed
     * @throws EngineException     when the engine cannot start (the model stays unstarted)
     */
    @Override
    public void setup() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            if (state == State.READY) {
                if (!engine.isDead()) {
                    return;
                }
                LOG.warn("The engine for {} died; closing it and starting a new one", config.modelId());
                LlmEngine dead = engine;
                engine = null;
                state = State.NEW;
                dead.close();
            }
            if (state == State.CLOSED) {
                throw new ModelStateException("QwenVL (" + config.modelId() + ") was closed and cannot be set up "
                        + "again; create a new QwenVL instead");
            }
            LOG.info("Starting engine for {} (revision {}) from {}: quantization={}, mm_processor_cache_gb={}",
                    config.modelId(), config.modelVariant().revision(), engineArgs.model(),
                    engineArgs.quantization(), engineArgs.mmProcessorCacheGb());
            LlmEngine started = config.devices().isDefault() ? engineFactory.start(engineArgs)
                    : EnginePool.start(engineFactory, engineArgs, config.devices(), EnginePool.Options.DEFAULTS);
            if (started == null) {
                throw new EngineException("engine factory returned no engine for " + engineArgs.model());
            }
            engine = started;
            state = State.READY;
        } finally {
            write.unlock();
        }
    }

    /**
     * Captions {@code videos} in chunks of {@link #DEFAULT_BATCH_SIZE}, without stage 2.
     *
     * @see #generate(List, boolean, int)
     */
    public List<String> generate(List<EngineRequest> videos) {
        return generate(videos, false, DEFAULT_BATCH_SIZE);
    }

    /**
     * Captions {@code videos}: one caption per request, in request order.
     *
     * @param videos                 the requests (prompt + video); an empty list returns an empty
     *                               list without calling the engine
     * @param generateStage2Caption  whether to run the stage-2 refinement (see class notes)
     * @param batchSize              requests per engine call, at least 1
     * @throws ModelStateException   before {@link #setup()} or after {@link #close()}
     * @throws EngineException       (or any other exception of the engine) when a chunk fails;
     *                               it is logged with the chunk's position first
     */
    public List<String> generate(List<EngineRequest> videos, boolean generateStage2Caption, int batchSize) {
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
            List<Chunk<EngineRequest>> chunks = Chunk.split(videos, batchSize);
            List<String> captions = new ArrayList<>(videos.size());
            for (Chunk<EngineRequest> chunk : chunks) {
                captions.addAll(captionChunk(current, chunk, chunks.size(), videos.size(), generateStage2Caption));
            }
            return Collections.unmodifiableList(captions);
        } finally {
            read.unlock();
        }
    }

    /**
     * Submits one input to the engine's request stream; the future completes with its caption
     * (the stage-2 caption when {@code generateStage2Caption} is set and the prompt could be
     * rewritten, as in {@link #generate(List, boolean, int)}), or fails with the engine's
     * exception for this input alone. Returns at once; safe from any thread.
     *
     * @throws ModelStateException before {@link #setup()} or after {@link #close()}
     */
    public CompletableFuture<String> submit(EngineRequest video, boolean generateStage2Caption) {
        Objects.requireNonNull(video, "video");
        LlmEngine current;
        CompletableFuture<String> stage1;
        Lock read = lock.readLock();
        read.lock();
        try {
            current = readyEngine();
            stage1 = current.submit(video, samplingParams);
        } finally {
            read.unlock();
        }
        if (!generateStage2Caption) {
            return stage1;
        }
        String stage2Text = config.stage2PromptText();
        return stage1.thenComposeAsync(caption -> {
            EngineRequest second = stage2Request(video, caption, stage2Text);
            if (second == null) {
                LOG.warn("An input keeps its stage-1 caption: its prompt could not be rewritten for stage 2 "
                        + "(the stage-2 rewriter logged why)");
                return CompletableFuture.completedFuture(caption);
            }
            return current.submit(second, samplingParams);
        }, STAGE2_EXECUTOR);
    }

    /** Stage-2 submissions leave the engine's completion thread at once (a submit is an interpreter call). */
    private static final Executor STAGE2_EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qwenvl-stage2");
        t.setDaemon(true);
        return t;
    });

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

    private List<String> captionChunk(LlmEngine current, Chunk<EngineRequest> chunk, int chunkCount, int total,
                                      boolean stage2) {
        int stage = 1;
        try {
            LOG.atLevel(progressLevel).log("Chunk {}/{}: inputs {}..{} of {}, stage 1",
                    chunk.index() + 1, chunkCount, chunk.from(), chunk.to() - 1, total);
            List<String> captions = callEngine(current, chunk.items());
            if (!stage2) {
                return captions;
            }
            stage = 2;
            return refine(current, chunk, captions, chunkCount, total);
        } catch (RuntimeException e) {
            LOG.error("Caption generation failed in chunk {} of {} (inputs {} to {} of {}, {} inputs) at stage {}: {}",
                    chunk.index(), chunkCount, chunk.from(), chunk.to() - 1, total, chunk.items().size(), stage,
                    e.toString(), e);
            throw e;
        }
    }

    private List<String> refine(LlmEngine current, Chunk<EngineRequest> chunk, List<String> stage1,
                                int chunkCount, int total) {
        List<String> result = new ArrayList<>(stage1);
        List<EngineRequest> second = new ArrayList<>(stage1.size());
        List<Integer> positions = new ArrayList<>(stage1.size());
        List<Integer> kept = new ArrayList<>();
        String stage2Text = config.stage2PromptText();
        for (int i = 0; i < stage1.size(); i++) {
            EngineRequest request = chunk.items().get(i);
            EngineRequest refined = stage2Request(request, stage1.get(i), stage2Text);
            if (refined != null) {
                second.add(refined);
                positions.add(i);
            } else {
                kept.add(chunk.from() + i);
            }
        }
        if (!kept.isEmpty()) {
            LOG.warn("Inputs {} keep their stage-1 captions: their prompts could not be rewritten for stage 2 "
                    + "(the stage-2 rewriter logged why)", kept);
        }
        if (second.isEmpty()) {
            return result;
        }
        LOG.atLevel(progressLevel).log("Chunk {}/{}: inputs {}..{} of {}, stage 2 for {} inputs",
                chunk.index() + 1, chunkCount, chunk.from(), chunk.to() - 1, total, second.size());
        List<String> refined = callEngine(current, second);
        for (int k = 0; k < positions.size(); k++) {
            result.set(positions.get(k), refined.get(k));
        }
        return result;
    }

    /**
     * The stage-2 request of {@code request}: an instruction request gets
     * {@code stage2Text + caption} as its instruction (the engine applies the chat template, so
     * nothing is parsed); a caller-templated prompt is rewritten by {@link Stage2Rewriter} (the
     * seed's {@code user_prompt} placeholder, else the chat user turn). {@code null} when the
     * templated prompt cannot be rewritten (the rewriter logged why).
     */
    private EngineRequest stage2Request(EngineRequest request, String caption, String stage2Text) {
        if (request.prompt() instanceof ChatPrompt.Instruction i) {
            return request.withPrompt(i.withText(stage2Text + caption));
        }
        Stage2Rewrite rewrite = rewriter.rewrite(((ChatPrompt.Templated) request.prompt()).text(), caption, stage2Text);
        return rewrite.rewritten() ? request.withPrompt(new ChatPrompt.Templated(rewrite.prompt())) : null;
    }

    private List<String> callEngine(LlmEngine current, List<EngineRequest> requests) {
        List<String> out = current.generate(List.copyOf(requests), samplingParams);
        if (out == null || out.size() != requests.size()) {
            throw new EngineException("engine returned " + (out == null ? "no list" : out.size() + " captions")
                    + " for " + requests.size() + " requests; the engine must answer each request once, in order");
        }
        return out;
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
