package dev.qwenvl.engine;

import java.util.Map;
import java.util.Objects;

/**
 * One prompt with its one video (the engine is limited to one video per prompt), plus per-request
 * processor arguments such as {@code fps}.
 */
public record EngineRequest(String prompt, VideoPayload video, Map<String, Object> processorKwargs) {
    public EngineRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(video, "video");
        processorKwargs = processorKwargs == null ? Map.of() : Map.copyOf(processorKwargs);
    }

    public EngineRequest(String prompt, VideoPayload video) {
        this(prompt, video, Map.of());
    }

    /** The same request with another prompt (stage 2 rewrites the prompt, keeps the video). */
    public EngineRequest withPrompt(String newPrompt) {
        return new EngineRequest(newPrompt, video, processorKwargs);
    }
}
