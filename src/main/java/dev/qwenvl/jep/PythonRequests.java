package dev.qwenvl.jep;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jep.DirectNDArray;

/** A request's prompt and video as the Python half takes them. */
final class PythonRequests {
    private PythonRequests() {}

    /**
     * The prompt vLLM receives: an instruction goes into the Qwen chat layout here, as the last
     * step before Python ({@link QwenPromptFormatter} with the family's system turn); a templated
     * prompt is sent as the caller wrote it.
     */
    static String promptText(ChatPrompt prompt) {
        if (prompt instanceof ChatPrompt.Instruction i) {
            return new QwenPromptFormatter(i.systemMessage()).format(i.text());
        }
        return ((ChatPrompt.Templated) prompt).text();
    }

    /** A payload as the Python side takes it: an ndarray over the same memory, or a handle id. */
    static Object video(VideoPayload video) {
        if (video instanceof PythonFrames h) {
            return h.id();
        }
        VideoPayload.Frames f = (VideoPayload.Frames) video;
        ByteBuffer view = f.data().slice(); // position 0 at the first frame byte, same memory
        return switch (f.dtype()) {
            case UINT8 -> new DirectNDArray<>(view, true, f.shape());
            case FLOAT32 -> new DirectNDArray<>(view.order(ByteOrder.nativeOrder()).asFloatBuffer(), f.shape());
        };
    }
}
