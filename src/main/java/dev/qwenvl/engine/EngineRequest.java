package dev.qwenvl.engine;

import java.util.Objects;

/**
 * One prompt with its one video (the engine is limited to one video per prompt), in typed,
 * engine-neutral fields. The chat template is applied last, by the engine (see {@link ChatPrompt}).
 *
 * @param prompt      the instruction (or a caller-templated prompt)
 * @param video       the frames of the window
 * @param fps         the rate the frames were sampled at (sets the model's time positions), or
 *                    {@code null} for the engine's default rate
 * @param pixelBounds the bounds the model's processor resizes the frames to, or {@code null} when
 *                    the frames were resized already
 */
public record EngineRequest(ChatPrompt prompt, VideoPayload video, Double fps, PixelBounds pixelBounds) {

    public EngineRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(video, "video");
        if (fps != null && !(fps > 0 && Double.isFinite(fps))) {
            throw new IllegalArgumentException("fps must be a positive finite rate, got " + fps);
        }
    }

    /** A request for {@code instruction} in the chat template with {@code systemMessage} ({@code null}: none). */
    public static EngineRequest instruction(String instruction, String systemMessage, VideoPayload video) {
        return new EngineRequest(new ChatPrompt.Instruction(instruction, systemMessage), video, null, null);
    }

    /** A request whose prompt the caller wrote in the model's chat template (stage 2 may read it as a template). */
    public EngineRequest(String templatedPrompt, VideoPayload video) {
        this(new ChatPrompt.Templated(templatedPrompt), video, null, null);
    }

    /** The same request with the frames' sampling rate. */
    public EngineRequest withFps(double rate) {
        return new EngineRequest(prompt, video, rate, pixelBounds);
    }

    /** The same request with the processor's pixel bounds ({@code null}: none). */
    public EngineRequest withPixelBounds(PixelBounds bounds) {
        return new EngineRequest(prompt, video, fps, bounds);
    }

    /** The same request with another prompt (stage 2 changes the prompt, keeps the video). */
    public EngineRequest withPrompt(ChatPrompt newPrompt) {
        return new EngineRequest(newPrompt, video, fps, pixelBounds);
    }
}
