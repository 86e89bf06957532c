package dev.qwenvl.prompt;

import java.util.Objects;

/**
 * Builds the text prompt for one video and one instruction, in the layout of the model's own chat
 * template. Qwen2.5-VL's adds a default system turn (below); Qwen3-VL's adds none, so its prompt
 * starts at the user turn ({@link #QwenPromptFormatter(String)} with {@code null}; the family
 * description's {@code default_system_prompt} says which):
 *
 * <pre>
 * &lt;|im_start|&gt;system\nYou are a helpful assistant.&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n&lt;|vision_start|&gt;&lt;|video_pad|&gt;&lt;|vision_end|&gt;{text}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n
 * </pre>
 *
 * (shown on three lines; the real prompt has no other line breaks than the {@code \n}s).
 *
 * <p>The user text is inserted literally, except that chat control token spellings are broken
 * by {@link ChatControlTokens#neutralize}, so user text can never end the user turn or open a
 * new one. Stateless and thread-safe.
 */
public final class QwenPromptFormatter {

    /** System message of the reference layout. */
    public static final String SYSTEM_MESSAGE = "You are a helpful assistant.";
    /** The video slot the processor expands into video tokens (one video per prompt). */
    public static final String VIDEO_BLOCK = "<|vision_start|><|video_pad|><|vision_end|>";

    static final String USER_TURN_START = "<|im_start|>user\n";
    static final String TURN_END = "<|im_end|>";
    static final String VISION_END = "<|vision_end|>";

    private static final String SUFFIX = TURN_END + "\n<|im_start|>assistant\n";

    private final String prefix;

    /** Qwen2.5-VL's layout: the default system turn {@link #SYSTEM_MESSAGE}. */
    public QwenPromptFormatter() {
        this(SYSTEM_MESSAGE);
    }

    /**
     * @param systemMessage the system turn's text, or {@code null} for a chat format without a
     *     default system turn (Qwen3-VL)
     */
    public QwenPromptFormatter(String systemMessage) {
        this.prefix = (systemMessage == null ? "" : "<|im_start|>system\n" + systemMessage + TURN_END + "\n")
                + USER_TURN_START + VIDEO_BLOCK;
    }

    /**
     * The prompt for one video with {@code userText} as the instruction.
     *
     * @param userText instruction text, any characters; control token spellings are neutralised
     */
    public String format(String userText) {
        Objects.requireNonNull(userText, "userText");
        return prefix + ChatControlTokens.neutralize(userText) + SUFFIX;
    }

    /** The prompt for one video with the caption instruction of {@code variant}. */
    public String format(PromptVariant variant) {
        Objects.requireNonNull(variant, "variant");
        return format(variant.instruction());
    }

    /**
     * The prompt for one video: {@code customText} when it is non-null and not blank, otherwise
     * the caption instruction of {@code variant}.
     */
    public String format(PromptVariant variant, String customText) {
        Objects.requireNonNull(variant, "variant");
        return format(variant.instructionOr(customText));
    }
}
