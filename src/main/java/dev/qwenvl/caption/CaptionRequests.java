package dev.qwenvl.caption;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.video.PreparedVideo;

/**
 * Builds the engine request of each window: the instruction (the engine applies the family's chat
 * template), the family's system turn, the window's frames, the rate they were sampled at, and
 * the pixel bounds the decoder asks the model's processor to keep (when the model preprocesses).
 */
final class CaptionRequests {
    private final String instruction;
    private final String systemMessage;
    private final QwenPromptFormatter formatter;

    CaptionRequests(QwenVlConfig model, CaptionSettings settings) {
        this.systemMessage = model.modelVariant().family().defaultSystemPrompt();
        this.formatter = new QwenPromptFormatter(systemMessage);
        this.instruction = settings.instruction();
    }

    /** The prompt every window is captioned with, as the model sees it. */
    String prompt() {
        return formatter.format(instruction);
    }

    /** The request of window {@code w} of {@code video}. */
    EngineRequest request(PreparedVideo video, int w) {
        return EngineRequest.instruction(instruction, systemMessage, video.payloads().get(w))
                .withFps(video.windows().get(w).sampledFps())
                .withPixelBounds(video.pixelBounds(w).orElse(null));
    }
}
