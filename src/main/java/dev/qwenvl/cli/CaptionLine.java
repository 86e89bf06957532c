package dev.qwenvl.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of the captions file: one window of one video. The line's format is described by the
 * JSON Schema {@code docs/schemas/caption-line.schema.json} (see {@code docs/outputs.md}); its
 * {@code schema} field names the version, {@value #SCHEMA} today. Lines written before the field
 * existed (schema 1: no {@code schema}, no facts) are read as they are: {@link #facts} is then
 * {@code null}, and resuming treats them like any other line.
 *
 * @param video          absolute path of the video
 * @param window         window index in the video, from 0
 * @param windows        number of windows of the video when all of them were captioned in the
 *                       run that wrote this line, else {@code null} (resuming uses it to tell
 *                       complete videos)
 * @param firstFrame     first source frame (inclusive)
 * @param lastFrame      last source frame (inclusive)
 * @param startSeconds   window start
 * @param endSeconds     window end
 * @param caption        the caption text
 * @param model          model id
 * @param stage          1, or 2 when the stage-2 rewrite produced the caption
 * @param config         fingerprint of the caption settings ({@link RunFingerprint})
 * @param groupSeconds   wall-clock seconds the group of videos this window was captioned with took; in a
 *                       streaming run (the CLI's), the seconds between the previous video's lines
 *                       and this video's (its share of the run's wall time)
 * @param groupWindows   windows captioned in that group; in a streaming run, this video's windows
 * @param facts          how the engine made the caption (schema 2); {@code null} for a schema-1 line
 * @param captionJson    with a caption schema, the caption as JSON text (written as the object
 *                       {@code caption_json}); {@code null} for free text (no such field)
 */
record CaptionLine(String video, int window, Integer windows, int firstFrame, int lastFrame, double startSeconds,
                   double endSeconds, String caption, String model, int stage, String config, double groupSeconds,
                   int groupWindows, Facts facts, String captionJson) {

    /** The version of the line format this class writes. */
    static final int SCHEMA = 2;

    /**
     * How the engine made a window's caption (each value {@code null} where the engine did not
     * report it).
     *
     * @param finishReason      {@code stop}, {@code length}, ...
     * @param truncated         the output hit {@code max_output_tokens} (finish reason {@code length}
     *                          and that many output tokens)
     * @param promptTokens      prompt tokens, video tokens included
     * @param outputTokens      output tokens
     * @param queuedSeconds     the engine's queue time
     * @param firstTokenSeconds the engine's time to first token
     * @param totalSeconds      the engine's time from the request's arrival to its last output
     * @param stage1Caption     stage 1's caption when stage 2 made {@code caption}, else null
     */
    record Facts(String finishReason, boolean truncated, Integer promptTokens, Integer outputTokens,
                 Double queuedSeconds, Double firstTokenSeconds, Double totalSeconds, String stage1Caption) {
    }

    /** A line without facts (schema 1, as versions before the facts wrote it). */
    CaptionLine(String video, int window, Integer windows, int firstFrame, int lastFrame, double startSeconds,
                double endSeconds, String caption, String model, int stage, String config, double groupSeconds,
                int groupWindows) {
        this(video, window, windows, firstFrame, lastFrame, startSeconds, endSeconds, caption, model, stage, config,
                groupSeconds, groupWindows, null, null);
    }

    /** A line with facts and no structured caption. */
    CaptionLine(String video, int window, Integer windows, int firstFrame, int lastFrame, double startSeconds,
                double endSeconds, String caption, String model, int stage, String config, double groupSeconds,
                int groupWindows, Facts facts) {
        this(video, window, windows, firstFrame, lastFrame, startSeconds, endSeconds, caption, model, stage, config,
                groupSeconds, groupWindows, facts, null);
    }

    ResumeKey key() {
        return new ResumeKey(video, window, config);
    }

    /** The format version of this line: {@value #SCHEMA} with facts, 1 without. */
    int schema() {
        return facts == null ? 1 : SCHEMA;
    }

    /**
     * The line's JSON, without the newline. Every line starts with {@code {"video":"}
     * ({@link RunFiles#LINE_START}); a schema-2 line then names its version.
     */
    String toJson() {
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("group_seconds", round(groupSeconds));
        timings.put("group_windows", groupWindows);
        timings.put("seconds_per_window", groupWindows > 0 ? round(groupSeconds / groupWindows) : null);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("video", video);
        if (facts != null) {
            f.put("schema", SCHEMA);
        }
        f.put("window", window);
        f.put("windows", windows);
        f.put("first_frame", firstFrame);
        f.put("last_frame", lastFrame);
        f.put("start_seconds", round(startSeconds));
        f.put("end_seconds", round(endSeconds));
        f.put("caption", caption);
        if (facts != null) {
            f.put("stage1_caption", facts.stage1Caption());
            f.put("finish_reason", facts.finishReason());
            f.put("truncated", facts.truncated());
            f.put("prompt_tokens", facts.promptTokens());
            f.put("output_tokens", facts.outputTokens());
        }
        if (captionJson != null) {
            f.put("caption_json", new Json.Raw(captionJson));
        }
        f.put("model", model);
        f.put("stage", stage);
        f.put("config", config);
        f.put("timings", timings);
        if (facts != null) {
            Map<String, Object> engine = new LinkedHashMap<>();
            engine.put("queued_seconds", roundOrNull(facts.queuedSeconds()));
            engine.put("first_token_seconds", roundOrNull(facts.firstTokenSeconds()));
            engine.put("total_seconds", roundOrNull(facts.totalSeconds()));
            f.put("engine_timings", engine);
        }
        return Json.object(f);
    }

    /**
     * Reads a line written by {@link #toJson()} of this version or an earlier one: a line without
     * {@code schema} is a schema-1 line (no facts). Fields this version does not know are ignored.
     *
     * @throws IllegalArgumentException when the text is not such a line
     */
    static CaptionLine parse(String text) {
        Map<String, Object> f = Json.parseObject(text);
        try {
            Map<?, ?> timings = f.get("timings") instanceof Map<?, ?> m ? m : Map.of();
            Facts facts = null;
            if (f.get("schema") != null) {
                int schema = num(f.get("schema")).intValue();
                if (schema < 2) {
                    throw new IllegalArgumentException("field 'schema' is " + schema + "; versions start at 2");
                }
                Map<?, ?> engine = f.get("engine_timings") instanceof Map<?, ?> m ? m : Map.of();
                facts = new Facts((String) f.get("finish_reason"), Boolean.TRUE.equals(f.get("truncated")),
                        integer(f.get("prompt_tokens")), integer(f.get("output_tokens")),
                        decimal(engine.get("queued_seconds")), decimal(engine.get("first_token_seconds")),
                        decimal(engine.get("total_seconds")), (String) f.get("stage1_caption"));
            }
            return new CaptionLine((String) require(f, "video"), num(require(f, "window")).intValue(),
                    f.get("windows") == null ? null : num(f.get("windows")).intValue(),
                    num(require(f, "first_frame")).intValue(), num(require(f, "last_frame")).intValue(),
                    num(require(f, "start_seconds")).doubleValue(), num(require(f, "end_seconds")).doubleValue(),
                    (String) require(f, "caption"), (String) f.get("model"), num(require(f, "stage")).intValue(),
                    (String) require(f, "config"),
                    timings.get("group_seconds") == null ? 0 : num(timings.get("group_seconds")).doubleValue(),
                    timings.get("group_windows") == null ? 0 : num(timings.get("group_windows")).intValue(), facts,
                    f.get("caption_json") == null ? null : Json.write(f.get("caption_json")));
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("a field has the wrong type: " + e.getMessage(), e);
        }
    }

    private static Object require(Map<String, Object> f, String name) {
        Object v = f.get(name);
        if (v == null) {
            throw new IllegalArgumentException("field '" + name + "' is missing");
        }
        return v;
    }

    private static Number num(Object v) {
        return (Number) v;
    }

    private static Integer integer(Object v) {
        return v == null ? null : num(v).intValue();
    }

    private static Double decimal(Object v) {
        return v == null ? null : num(v).doubleValue();
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    private static Double roundOrNull(Double v) {
        return v == null ? null : Math.round(v * 1e6) / 1e6;
    }
}
