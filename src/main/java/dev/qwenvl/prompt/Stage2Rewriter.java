package dev.qwenvl.prompt;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the stage-2 prompt of two-stage captioning for a prompt the caller wrote in the chat
 * template: the original prompt with its instruction replaced by {@code stage2Text + caption},
 * where {@code caption} is the stage-1 output. (Requests that carry a plain instruction need no
 * rewriting: stage 2 sends {@code stage2Text + caption} as their instruction and the engine
 * applies the template.)
 *
 * <p>Rules, in order:
 * <ol>
 *   <li><b>Placeholder</b> (the seed's rule, kept for compatibility): when the prompt contains the
 *       literal {@code user_prompt}, it is matched against {@code (.*)(user_prompt)(.*)} with
 *       DOTALL and group 2 (the last occurrence, since group 1 is greedy) is replaced.</li>
 *   <li><b>User turn</b>: in a chat-templated prompt, the text of the last user turn is replaced:
 *       the text from the end of that turn's last {@code <|vision_end|>} (or from just after
 *       {@code <|im_start|>user\n} when the turn has no vision block) up to the turn's
 *       {@code <|im_end|>}. The video block and the rest of the template are kept.</li>
 *   <li>Otherwise the prompt is returned unchanged with {@code rewritten == false}, and a WARN
 *       names the reason (sending it again would only repeat stage 1 at double cost).</li>
 * </ol>
 *
 * <p>The inserted text is literal: {@code $}, {@code \}, {@code \1}, {@code \g<0>}, line breaks
 * and non-ASCII characters are kept byte for byte (the prompt is assembled from substrings, no
 * regex replacement template is involved). Chat control token spellings in the inserted text are
 * broken exactly as in user text ({@link ChatControlTokens#neutralize}), so a caption cannot end
 * the user turn. Stateless and thread-safe.
 */
public final class Stage2Rewriter {

    /** The placeholder the seed's templates use for the user instruction. */
    public static final String PLACEHOLDER = "user_prompt";

    private static final Logger LOG = LoggerFactory.getLogger(Stage2Rewriter.class);
    private static final Pattern PLACEHOLDER_PATTERN = Pattern.compile("(.*)(user_prompt)(.*)", Pattern.DOTALL);

    /**
     * Rewrites {@code originalPrompt} for stage 2.
     *
     * @param originalPrompt the stage-1 prompt
     * @param caption        the stage-1 caption of that prompt, inserted literally
     * @param stage2Text     the stage-2 instruction placed before the caption
     */
    public Stage2Rewrite rewrite(String originalPrompt, String caption, String stage2Text) {
        Objects.requireNonNull(originalPrompt, "originalPrompt");
        Objects.requireNonNull(caption, "caption");
        Objects.requireNonNull(stage2Text, "stage2Text");
        String insertion = ChatControlTokens.neutralize(stage2Text + caption);

        Matcher m = PLACEHOLDER_PATTERN.matcher(originalPrompt);
        if (m.matches()) {
            return Stage2Rewrite.applied(m.group(1) + insertion + m.group(3), Stage2Rewrite.Method.PLACEHOLDER);
        }
        return rewriteUserTurn(originalPrompt, insertion);
    }

    private static Stage2Rewrite rewriteUserTurn(String prompt, String insertion) {
        String turnStartTag = QwenPromptFormatter.USER_TURN_START;
        int turnTag = prompt.lastIndexOf(turnStartTag);
        if (turnTag < 0) {
            return unchanged(prompt, "the prompt has neither the '" + PLACEHOLDER
                    + "' placeholder nor a chat user turn ('<|im_start|>user\\n')");
        }
        int turnStart = turnTag + turnStartTag.length();
        int turnEnd = prompt.indexOf(QwenPromptFormatter.TURN_END, turnStart);
        if (turnEnd < 0) {
            return unchanged(prompt, "the last user turn of the prompt is not closed by '<|im_end|>'");
        }
        int visionEnd = prompt.substring(turnStart, turnEnd).lastIndexOf(QwenPromptFormatter.VISION_END);
        int textStart = visionEnd < 0 ? turnStart : turnStart + visionEnd + QwenPromptFormatter.VISION_END.length();
        String rewritten = prompt.substring(0, textStart) + insertion + prompt.substring(turnEnd);
        return Stage2Rewrite.applied(rewritten, Stage2Rewrite.Method.USER_TURN);
    }

    private static Stage2Rewrite unchanged(String prompt, String reason) {
        LOG.warn("Stage-2 rewrite not applied: {}; the prompt is left unchanged (prompt starts with \"{}\"). "
                + "Use a prompt from QwenPromptFormatter or put '{}' where the instruction goes.",
                reason, preview(prompt), PLACEHOLDER);
        return Stage2Rewrite.unchanged(prompt, reason);
    }

    private static String preview(String prompt) {
        String oneLine = prompt.replace("\n", "\\n");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 80) + "...";
    }
}
