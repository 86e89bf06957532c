package dev.qwenvl.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of the captions file: one window of one video.
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
 * @param captionJson    with a caption schema, the caption as JSON text (written as the object
 *                       {@code caption_json}); {@code null} for free text (no such field)
 */
record CaptionLine(String video, int window, Integer windows, int firstFrame, int lastFrame, double startSeconds,
                   double endSeconds, String caption, String model, int stage, String config, double groupSeconds,
                   int groupWindows, String captionJson) {

    CaptionLine(String video, int window, Integer windows, int firstFrame, int lastFrame, double startSeconds,
                double endSeconds, String caption, String model, int stage, String config, double groupSeconds,
                int groupWindows) {
        this(video, window, windows, firstFrame, lastFrame, startSeconds, endSeconds, caption, model, stage, config,
                groupSeconds, groupWindows, null);
    }

    ResumeKey key() {
        return new ResumeKey(video, window, config);
    }

    /** The line's JSON, without the newline. */
    String toJson() {
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("group_seconds", round(groupSeconds));
        timings.put("group_windows", groupWindows);
        timings.put("seconds_per_window", groupWindows > 0 ? round(groupSeconds / groupWindows) : null);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("video", video);
        f.put("window", window);
        f.put("windows", windows);
        f.put("first_frame", firstFrame);
        f.put("last_frame", lastFrame);
        f.put("start_seconds", round(startSeconds));
        f.put("end_seconds", round(endSeconds));
        f.put("caption", caption);
        if (captionJson != null) {
            f.put("caption_json", new Json.Raw(captionJson));
        }
        f.put("model", model);
        f.put("stage", stage);
        f.put("config", config);
        f.put("timings", timings);
        return Json.object(f);
    }

    /**
     * Reads a line written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException when the text is not such a line
     */
    static CaptionLine parse(String text) {
        Map<String, Object> f = Json.parseObject(text);
        try {
            Map<?, ?> timings = f.get("timings") instanceof Map<?, ?> m ? m : Map.of();
            return new CaptionLine((String) require(f, "video"), num(require(f, "window")).intValue(),
                    f.get("windows") == null ? null : num(f.get("windows")).intValue(),
                    num(require(f, "first_frame")).intValue(), num(require(f, "last_frame")).intValue(),
                    num(require(f, "start_seconds")).doubleValue(), num(require(f, "end_seconds")).doubleValue(),
                    (String) require(f, "caption"), (String) f.get("model"), num(require(f, "stage")).intValue(),
                    (String) require(f, "config"),
                    timings.get("group_seconds") == null ? 0 : num(timings.get("group_seconds")).doubleValue(),
                    timings.get("group_windows") == null ? 0 : num(timings.get("group_windows")).intValue());
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

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
