package dev.qwenvl.prompt;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Neutralises chat control tokens in free text before it is placed inside a Qwen chat prompt.
 *
 * <p>Qwen2.5-VL and Qwen3-VL mark turns and media with special tokens spelled {@code <|name|>}
 * ({@code <|im_start|>}, {@code <|im_end|>}, {@code <|vision_start|>}, {@code <|video_pad|>},
 * {@code <|endoftext|>}, ...). The tokenizer turns such a spelling into the control token
 * wherever it appears, so user text or a caption containing {@code <|im_end|>} would close the
 * user turn and let the rest of the text act as a new turn.
 *
 * <p>Contract: every occurrence of {@code <|name|>} (name made of letters, digits and
 * underscores) is broken by inserting one space after the {@code <}: {@code <|im_end|>} becomes
 * {@code < |im_end|>}. Everything else is kept byte for byte. The result contains no
 * {@code <|name|>} sequence, so it cannot open, close or fake a turn or a media slot. The rule
 * covers all tokens of this family, including ones a future model adds, instead of a fixed list.
 *
 * <p>Why escape rather than reject: captions come from the model and user instructions come from
 * configuration; failing a whole batch because one text happens to contain such a spelling would
 * lose work for no safety gain. The change is visible (a space), deterministic and documented.
 */
public final class ChatControlTokens {

    private static final Pattern CONTROL_TOKEN = Pattern.compile("<(\\|[A-Za-z0-9_]+\\|>)");

    private ChatControlTokens() {}

    /** Whether {@code text} contains a {@code <|name|>} control token spelling. */
    public static boolean containsControlToken(String text) {
        return CONTROL_TOKEN.matcher(text).find();
    }

    /**
     * Returns {@code text} with every control token spelling broken (see class contract).
     * Text without such a spelling is returned unchanged (the same instance).
     */
    public static String neutralize(String text) {
        String current = text;
        // Repeat until stable: a single pass cannot create a new token, but the loop makes the
        // guarantee independent of that argument.
        while (true) {
            Matcher m = CONTROL_TOKEN.matcher(current);
            if (!m.find()) {
                return current;
            }
            StringBuilder out = new StringBuilder(current.length() + 8);
            int last = 0;
            do {
                out.append(current, last, m.start()).append("< ").append(m.group(1));
                last = m.end();
            } while (m.find());
            out.append(current, last, current.length());
            current = out.toString();
        }
    }
}
