package dev.qwenvl.caption;

import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoWindow;
import java.nio.charset.StandardCharsets;

/**
 * Refuses, before anything reaches the engine, a window whose frames and prompt would not fit the
 * model's context ({@link QwenVlSettings#MAX_MODEL_LEN}). The prompt is counted generously (one
 * token per UTF-8 byte, which byte-level BPE never exceeds), plus the caption and, with stage 2,
 * the rewrite text and the first caption.
 */
final class ContextCheck {
    private final int textTokens;

    ContextCheck(QwenVlConfig model, boolean stage2, String prompt) {
        int text = prompt.getBytes(StandardCharsets.UTF_8).length + model.maxOutputTokens();
        if (stage2) {
            text += model.stage2PromptText().getBytes(StandardCharsets.UTF_8).length + model.maxOutputTokens();
        }
        this.textTokens = text;
    }

    /** @throws VideoInputException ({@code WINDOW_TOO_LONG}) naming the first window that does not fit */
    void check(PreparedVideo video) {
        for (int w = 0; w < video.windows().size(); w++) {
            int tokens = video.videoTokens().get(w);
            if (tokens + textTokens > QwenVlSettings.MAX_MODEL_LEN) {
                VideoWindow window = video.windows().get(w);
                throw new VideoInputException(video.source().displayName(), VideoInputException.Reason.WINDOW_TOO_LONG,
                        "window " + window.windowIndex() + " (frames " + window.firstFrame() + "-" + window.lastFrame() + ", "
                                + window.sampledFrameIndices().size() + " sampled) needs " + tokens + " video tokens plus up to "
                                + textTokens + " for the text, over the model's context of " + QwenVlSettings.MAX_MODEL_LEN
                                + " tokens; lower the sampling rate or the window length");
            }
        }
    }
}
