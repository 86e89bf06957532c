package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.ModelFamily;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision-input oracle (issue 10): what reaches the vision encoder inside the real vLLM when the
 * library captions a video, against Qwen's reference pipeline on the same raw frames.
 *
 * <p>Each case is a lossless clip captioned through the library's own path, exactly as the CLI
 * does it: probe, Java's window plan (frame indices, sampled rate), the bridge's decoding and
 * sizing, the request the engine builds, the real vLLM. A probe in the loaded model (the engine
 * runs in-process) records the tensor entering the vision tower's patch embedding, with
 * {@code video_grid_thw} and {@code second_per_grid_ts}; {@code qwenvl_e2e.oracle.compare} builds
 * the reference (Curator's frame count and indices, qwen-vl-utils' sizing and resize, transformers'
 * processor of the checkpoint) and measures the difference.
 *
 * <p>Asserted per case: the sampled frame indices, {@code video_grid_thw} and
 * {@code second_per_grid_ts} (after vLLM casts it to the model's dtype) identical; normalised
 * pixel values within {@link #MEAN_ABS_BOUND} mean absolute difference, the room two bicubic
 * resamplers (FFmpeg's swscale here, torchvision's antialiased one in the reference) need. All cases
 * run before anything is asserted, so a failure shows every case's numbers.
 */
abstract class VisionInputOracle {
    private static final Logger LOG = LoggerFactory.getLogger(VisionInputOracle.class);
    private static final String ORACLE = "qwenvl_e2e.oracle";

    /**
     * Largest mean absolute difference of normalised pixel values allowed. Measured on the tiny
     * Qwen2.5-VL (bf16, vLLM 0.32 CPU): 0.0011-0.0016 over the six cases in both modes (p99 of
     * single values up to 0.016, where swscale's and torchvision's bicubic filters part at edges;
     * the rest is bf16 rounding). Double normalisation, the failure this guards against, measured
     * 1.79. The bound leaves about 3x room.
     */
    static final double MEAN_ABS_BOUND = 0.005;

    /** A source clip: frames of {@code width} x {@code height}, {@code frames} of them at {@code fps}. */
    record Case(String name, int width, int height, int frames, double fps) {}

    /** The cases: four frame sizes (one portrait, one odd), a 30 fps and a 10 fps full window. */
    static final List<Case> CASES = List.of(
            new Case("640x360", 640, 360, 8, 30),
            new Case("1920x1080", 1920, 1080, 8, 30),
            new Case("321x241", 321, 241, 8, 30),
            new Case("360x640 portrait", 360, 640, 8, 30),
            new Case("256 frames at 30 fps", 640, 360, 256, 30),
            new Case("256 frames at 10 fps", 960, 540, 256, 10));

    /** The family under test, from the family description. */
    abstract ModelFamily family();

    abstract PythonRuntime runtime();

    Path weights() {
        return E2ETier.modelDir().resolve(family().modelId());
    }

    /** qwen-vl-utils' total_pixels for a window: the family's token budget in pixels. */
    private long totalPixels() {
        return (long) family().videoWindowTokens() * family().factor() * family().factor();
    }

    /** Writes every case's clip into {@code dir}; returns them in {@link #CASES} order. */
    List<Path> writeClips(Path dir) {
        List<Path> clips = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            Object path = runtime().call(ORACLE, "write_clip", dir.resolve("case" + i + ".avi").toString(), c.width(),
                    c.height(), c.frames(), c.fps());
            clips.add(Path.of((String) path));
        }
        return clips;
    }

    /** Captions every clip with {@code modelDoesPreprocess} and compares each window with the reference. */
    void runOracle(List<Path> clips, boolean modelDoesPreprocess) {
        QwenVlConfig config = E2ETier.config().modelVariant(family().key()).modelDoesPreprocess(modelDoesPreprocess)
                .maxOutputTokens(2).build();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (QwenVL model = new QwenVL(config, JepLlmEngine.factory(runtime()))) {
            model.setup();
            runtime().call(ORACLE, "install_probe");
            boolean deviceNormalize = (Boolean) runtime().call(ORACLE, "device_normalize");
            VideoCaptioner captioner = new VideoCaptioner(model, new dev.qwenvl.jep.JepVideoDecoder(runtime()),
                    CaptionSettings.defaults());
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                List<VideoCaptions> result = captioner.caption(List.of(new VideoSource.VideoFile(clips.get(i))));
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("case", c.name());
                if (!result.get(0).succeeded()) {
                    row.put("error", String.valueOf(result.get(0).error()));
                    rows.add(row);
                    continue;
                }
                VideoWindow window = result.get(0).captions().get(0).window();
                Map<?, ?> measured = (Map<?, ?>) runtime().call(ORACLE, "compare", clips.get(i).toString(),
                        window.firstFrame(), window.lastFrame(), c.fps(), weights().toString(), family().patchSize(),
                        totalPixels(), window.sampledFrameIndices());
                measured.forEach((k, v) -> row.put(String.valueOf(k), v));
                row.put("device_normalize", deviceNormalize);
                rows.add(row);
            }
        }
        StringBuilder table = new StringBuilder("vision-input oracle, " + family().name() + ", model_does_preprocess="
                + modelDoesPreprocess + ":");
        for (Map<String, Object> row : rows) {
            table.append("\n  ").append(row.get("case")).append(": grid ").append(row.get("grid")).append(" (reference ")
                    .append(row.get("reference_grid")).append("), second_per_grid_ts ").append(row.get("second_per_grid_ts"))
                    .append(" (reference ").append(row.get("reference_second_per_grid_ts")).append("), indices match ")
                    .append(row.get("indices_match")).append(", mean |diff| ").append(row.get("mean_abs_diff"))
                    .append(", p99 |diff| ").append(row.get("p99_abs_diff")).append(", spread ").append(row.get("spread"))
                    .append(" (reference ").append(row.get("reference_spread")).append(")")
                    .append(row.containsKey("error") ? ", error " + row.get("error") : "");
        }
        LOG.info("{}", table);
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            String name = row.get("case") + ": ";
            if (row.containsKey("error")) {
                failures.add(name + "not captioned: " + row.get("error"));
                continue;
            }
            if (!Boolean.TRUE.equals(row.get("indices_match"))) {
                failures.add(name + "sampled frames differ from Curator's: reference " + row.get("reference_indices"));
            }
            if (!String.valueOf(row.get("grid")).equals(String.valueOf(row.get("reference_grid")))) {
                failures.add(name + "video_grid_thw " + row.get("grid") + " != reference " + row.get("reference_grid"));
            }
            if (!Boolean.TRUE.equals(row.get("second_per_grid_ts_match"))) {
                failures.add(name + "second_per_grid_ts " + row.get("second_per_grid_ts") + " != reference "
                        + row.get("reference_second_per_grid_ts"));
            }
            Object mad = row.get("mean_abs_diff");
            if (!(mad instanceof Number n) || n.doubleValue() > MEAN_ABS_BOUND) {
                failures.add(name + "mean |pixel difference| " + mad + " over " + MEAN_ABS_BOUND);
            }
        }
        assertTrue(failures.isEmpty(), table + "\nfailures:\n  " + String.join("\n  ", failures));
        assertEquals(CASES.size(), rows.size());
    }
}
