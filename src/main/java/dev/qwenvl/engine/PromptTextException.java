package dev.qwenvl.engine;

/**
 * Prompt text that no tokenizer can take: it holds an unpaired UTF-16 surrogate (a {@code char}
 * in {@code U+D800..U+DFFF} that is not half of a surrogate pair), which has no UTF-8 form.
 * Thrown when the request is built ({@link ChatPrompt}), on every path alike (Java API, CLI,
 * Spark, HTTP engine), so bad input is never blamed on the engine. Carries which text was bad and
 * the index of the bad {@code char} in it.
 */
public final class PromptTextException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final int index;
    private final char codeUnit;

    PromptTextException(String field, int index, char codeUnit) {
        super(String.format("the %s holds an unpaired UTF-16 surrogate U+%04X at index %d (a char no tokenizer "
                + "can encode: text cut in the middle of a surrogate pair, or bytes decoded with the wrong charset);"
                + " remove it or replace it, e.g. with U+FFFD", field, (int) codeUnit, index));
        this.field = field;
        this.index = index;
        this.codeUnit = codeUnit;
    }

    /** Which text was bad: "instruction", "system message" or "templated prompt". */
    public String field() {
        return field;
    }

    /** The index (in UTF-16 {@code char}s) of the unpaired surrogate. */
    public int index() {
        return index;
    }

    /** The unpaired surrogate itself. */
    public char codeUnit() {
        return codeUnit;
    }

    /**
     * Returns {@code text} when every surrogate in it is paired.
     *
     * @param field what the text is, for the message
     * @throws PromptTextException naming the first unpaired surrogate
     */
    public static String requireWellFormed(String field, String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair
                continue;
            }
            throw new PromptTextException(field, i, c);
        }
        return text;
    }
}
