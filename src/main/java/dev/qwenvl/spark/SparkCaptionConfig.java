package dev.qwenvl.spark;

import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.cli.RunFingerprint;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.video.WindowingConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an executor needs to caption: the model settings ({@link QwenVlConfig}), the caption
 * settings ({@link CaptionSettings}), the Python environment to embed, and how many videos go to
 * one captioning call. Immutable and {@link Serializable}: Spark ships it to the executors inside
 * the task, where {@link #modelConfig()} and {@link #captionSettings()} rebuild the library's own
 * objects (the library's configs hold a {@link Path}, which Java serialization refuses, so this
 * holds their values).
 *
 * <p>Two configs are equal when every value is; executors keep one captioner per config
 * ({@link ExecutorCaptioners}).
 */
public final class SparkCaptionConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The sampling seed when the model config has none: a retried or speculative task must write
     * the captions its first attempt would have, so Spark jobs never sample unseeded.
     */
    public static final int DEFAULT_SEED = 0;

    private final Model model;
    private final Caption caption;
    private final Python python;
    /** {@code --decode-threads}; null: each executor takes its own {@link StreamSettings#defaultDecodeThreads()}. */
    private final Integer decodeThreads;

    /** The model's values, as plain serializable data. */
    private record Model(String modelDir, String variant, int captionBatchSize, boolean fp8, int maxOutputTokens,
                         boolean modelDoesPreprocess, boolean disableMmcache, String customStage2PromptText,
                         boolean verbose, Map<String, Object> extraEngineArgs, Integer samplingSeed)
            implements Serializable {}

    /** The caption settings' values. */
    private record Caption(String promptVariant, String promptText, int windowFrames, int minRemainderFrames,
                           double samplingFps, int minSampledFrames, int maxSampledFrames, boolean stage2,
                           String captionSchema, String captionSchemaName)
            implements Serializable {}

    /**
     * The Python environment of the executors.
     *
     * @param executable  the environment's python; {@code null} locates it on the executor
     *                    ({@code -Dqwenvl.python}, {@code QWENVL_PYTHON}, {@code ./.venv/bin/python})
     * @param paths       folders put first on {@code sys.path}
     * @param environment variables set in Python's {@code os.environ} before vLLM is imported
     */
    private record Python(String executable, List<String> paths, Map<String, String> environment)
            implements Serializable {}

    private SparkCaptionConfig(Model model, Caption caption, Python python) {
        this(model, caption, python, null);
    }

    private SparkCaptionConfig(Model model, Caption caption, Python python, Integer decodeThreads) {
        this.model = model;
        this.caption = caption;
        this.python = python;
        this.decodeThreads = decodeThreads;
    }

    /**
     * The same config decoding {@code lanes} videos at once on each executor (decode lanes; the
     * captions do not depend on it). Without it each executor takes its own cores' default.
     */
    public SparkCaptionConfig withDecodeThreads(int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("decode threads must be at least 1, got " + lanes);
        }
        return new SparkCaptionConfig(model, caption, python, lanes);
    }

    /** How an executor streams its videos: the default frame budget, and the decode lanes of this config. */
    public StreamSettings streamSettings() {
        StreamSettings.Builder stream = StreamSettings.builder();
        if (decodeThreads != null) {
            stream.decodeThreads(decodeThreads);
        }
        return stream.build();
    }

    /**
     * A config captioning with {@code model} and {@code caption} and the located Python
     * environment. A model config without a sampling seed gets
     * {@value #DEFAULT_SEED} (the fingerprint then equals the CLI's with {@code --seed 0}).
     *
     * @throws IllegalArgumentException when a pass-through engine argument is not serializable
     */
    public static SparkCaptionConfig of(QwenVlConfig model, CaptionSettings caption) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(caption, "caption");
        Map<String, Object> engineArgs = new LinkedHashMap<>();
        model.extraEngineArgs().forEach((name, value) -> {
            if (value != null && !(value instanceof Serializable)) {
                throw new IllegalArgumentException("engine argument '" + name + "' has a value of "
                        + value.getClass().getName() + ", which cannot be sent to Spark executors; use a string,"
                        + " number, boolean, list or map");
            }
            engineArgs.put(name, value);
        });
        Model m = new Model(model.modelDir().toString(), model.modelVariant().keys().get(0), model.captionBatchSize(),
                model.fp8(), model.maxOutputTokens(), model.modelDoesPreprocess(), model.disableMmcache(),
                model.hasCustomStage2PromptText() ? model.stage2PromptText() : null, model.verbose(),
                java.util.Collections.unmodifiableMap(engineArgs), model.samplingSeed().orElse(DEFAULT_SEED));
        WindowingConfig w = caption.windowing();
        Caption c = new Caption(caption.promptVariant().key(), caption.promptText(), w.windowFrames(),
                w.minRemainderFrames(), w.samplingFps(), w.minSampledFrames(), w.maxSampledFrames(), caption.stage2(),
                caption.captionSchema() == null ? null : caption.captionSchema().json(),
                caption.captionSchema() == null ? null : caption.captionSchema().name());
        return new SparkCaptionConfig(m, c, new Python(null, List.of(), Map.of()));
    }

    /** The same config embedding {@code python} (the executors' path to it) instead of locating one. */
    public SparkCaptionConfig withPython(Path python) {
        Objects.requireNonNull(python, "python");
        return new SparkCaptionConfig(model, caption,
                new Python(python.toString(), this.python.paths(), this.python.environment()), decodeThreads);
    }

    /** The same config putting {@code folder} (a path on the executors) first on Python's {@code sys.path}. */
    public SparkCaptionConfig withPythonPath(Path folder) {
        Objects.requireNonNull(folder, "folder");
        List<String> paths = new ArrayList<>(python.paths());
        paths.add(folder.toString());
        return new SparkCaptionConfig(model, caption,
                new Python(python.executable(), List.copyOf(paths), python.environment()), decodeThreads);
    }

    /**
     * The same config setting {@code name=value} in the embedded Python's environment before vLLM is
     * imported, for example {@code VLLM_CPU_KVCACHE_SPACE=1} on CPU executors.
     * {@code CUDA_VISIBLE_DEVICES} is refused: it comes from the GPUs Spark assigns the task.
     */
    public SparkCaptionConfig withPythonEnvironment(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (Accelerator.VISIBLE_DEVICES.equals(name)) {
            throw new IllegalArgumentException(name + " is set from the GPUs Spark assigns each task "
                    + "(spark.task.resource.gpu.amount); configure GPU scheduling instead of setting it");
        }
        Map<String, String> env = new LinkedHashMap<>(python.environment());
        env.put(name, value);
        return new SparkCaptionConfig(model, caption,
                new Python(python.executable(), python.paths(), Map.copyOf(env)), decodeThreads);
    }

    /** The model settings, rebuilt. */
    public QwenVlConfig modelConfig() {
        return QwenVlConfig.builder()
                .modelDir(Path.of(model.modelDir()))
                .modelVariant(model.variant())
                .captionBatchSize(model.captionBatchSize())
                .fp8(model.fp8())
                .maxOutputTokens(model.maxOutputTokens())
                .modelDoesPreprocess(model.modelDoesPreprocess())
                .disableMmcache(model.disableMmcache())
                .stage2PromptText(model.customStage2PromptText())
                .verbose(model.verbose())
                .extraEngineArgs(model.extraEngineArgs())
                .samplingSeed(model.samplingSeed())
                .build();
    }

    /** The caption settings, rebuilt. */
    public CaptionSettings captionSettings() {
        WindowingConfig windowing = WindowingConfig.builder()
                .windowFrames(caption.windowFrames())
                .minRemainderFrames(caption.minRemainderFrames())
                .samplingFps(caption.samplingFps())
                .minSampledFrames(caption.minSampledFrames())
                .maxSampledFrames(caption.maxSampledFrames())
                .build();
        return CaptionSettings.builder().promptVariant(PromptVariant.fromKey(caption.promptVariant()))
                .promptText(caption.promptText()).windowing(windowing).stage2(caption.stage2())
                .captionSchema(caption.captionSchema() == null ? null
                        : CaptionSchema.of(caption.captionSchema(), caption.captionSchemaName()))
                .build();
    }

    /**
     * The fingerprint of the settings that change captions, the same as the CLI's {@code config}
     * field for the same settings ({@link RunFingerprint}).
     */
    public String fingerprint() {
        CaptionSettings settings = captionSettings();
        return RunFingerprint.of(modelConfig(), settings,
                new QwenPromptFormatter().format(settings.instruction()));
    }

    /** The model id captions are made with, e.g. {@code Qwen/Qwen2.5-VL-7B-Instruct}. */
    public String modelId() {
        return modelConfig().modelId();
    }

    /** The python to embed on executors; empty to locate it there. */
    public java.util.Optional<Path> python() {
        return java.util.Optional.ofNullable(python.executable()).map(Path::of);
    }

    /** Folders put first on the embedded Python's {@code sys.path}. */
    public List<Path> pythonPaths() {
        return python.paths().stream().map(Path::of).toList();
    }

    /** Variables set in the embedded Python's environment before vLLM is imported. */
    public Map<String, String> pythonEnvironment() {
        return python.environment();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparkCaptionConfig c && c.model.equals(model) && c.caption.equals(caption)
                && c.python.equals(python) && Objects.equals(c.decodeThreads, decodeThreads);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, caption, python, decodeThreads);
    }

    @Override
    public String toString() {
        return "SparkCaptionConfig[" + model + ", " + caption + ", " + python + ", decodeThreads=" + decodeThreads + "]";
    }
}
