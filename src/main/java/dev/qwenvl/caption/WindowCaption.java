package dev.qwenvl.caption;

import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.model.Caption;
import dev.qwenvl.video.VideoWindow;
import java.util.Objects;

/**
 * The caption of one window, mapped back to its source, with the facts of how the engine made it.
 * The facts are those of the pass that made {@code caption} (stage 2's when it ran); what the
 * engine did not report is {@code null}.
 *
 * @param video         display name of the source video
 * @param window        the window: index, first/last source frame, start/end seconds
 * @param caption       the model's text (the stage-2 text when stage 2 ran)
 * @param stage         1 or 2: which pass produced {@code caption}
 * @param finishReason  why the engine stopped: {@code "stop"}, {@code "length"}, ...; null when unknown
 * @param truncated     true exactly when the output hit the output limit: finish reason
 *                      {@code "length"} and {@code outputTokens} equal to {@code max_output_tokens}
 * @param promptTokens  prompt tokens, video tokens included; null when unknown
 * @param outputTokens  generated tokens; null when unknown
 * @param timings       the engine's times for the request ({@link EngineTimings#NONE} when none)
 * @param stage1Caption stage 1's caption when stage 2 ran ({@code stage == 2}), else null
 * @param captionJson   with a caption schema ({@link CaptionSettings#captionSchema()}): the caption as
 *                      compact JSON text, parsed and valid against the schema; {@code null} for free text
 */
public record WindowCaption(String video, VideoWindow window, String caption, int stage, String finishReason,
                            boolean truncated, Integer promptTokens, Integer outputTokens, EngineTimings timings,
                            String stage1Caption, String captionJson) {

    public WindowCaption {
        timings = timings == null ? EngineTimings.NONE : timings;
    }

    /** A caption of which no facts are known (the form before the facts existed). */
    public WindowCaption(String video, VideoWindow window, String caption, int stage) {
        this(video, window, caption, stage, null, false, null, null, EngineTimings.NONE, null, null);
    }

    /** The window's caption with the facts {@code caption} carries. */
    public static WindowCaption of(String video, VideoWindow window, Caption caption) {
        Objects.requireNonNull(caption, "caption");
        var g = caption.generation();
        return new WindowCaption(video, window, g.text(), caption.stage(), g.finishReason(), caption.truncated(),
                g.promptTokens(), g.outputTokens(), g.timings(), caption.stage1Text(), null);
    }

    /** This caption kept as structured JSON: its text is the schema-checked JSON. */
    WindowCaption structured() {
        return new WindowCaption(video, window, caption, stage, finishReason, truncated, promptTokens, outputTokens,
                timings, stage1Caption, caption);
    }
}
