package dev.qwenvl.engine;

import java.util.Map;
import java.util.Objects;

/**
 * One prompt with its one video (the engine is limited to one video per prompt), plus per-request
 * processor arguments such as {@code fps}.
 *
 * @param instruction the instruction text the library formatted {@code prompt} from, or
 *                    {@code null} when the caller supplied the prompt. When it is set, stage 2
 *                    replaces the instruction in the prompt's user turn and never reads it as a
 *                    template (an instruction may contain the word {@code user_prompt}).
 */
public record EngineRequest(String prompt, VideoPayload video, Map<String, Object> processorKwargs, String instruction) {
    public EngineRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(video, "video");
        processorKwargs = processorKwargs == null ? Map.of() : Map.copyOf(processorKwargs);
    }

    /** A request whose prompt the caller wrote (stage 2 may read it as a template). */
    public EngineRequest(String prompt, VideoPayload video, Map<String, Object> processorKwargs) {
        this(prompt, video, processorKwargs, null);
    }

    public EngineRequest(String prompt, VideoPayload video) {
        this(prompt, video, Map.of());
    }

    /** The same request with another prompt (stage 2 rewrites the prompt, keeps the video). */
    public EngineRequest withPrompt(String newPrompt) {
        return new EngineRequest(newPrompt, video, processorKwargs, instruction);
    }
}
