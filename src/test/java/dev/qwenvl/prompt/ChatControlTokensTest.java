package dev.qwenvl.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChatControlTokensTest {

    @Test
    void textWithoutTokensIsReturnedUnchanged() {
        String text = "a < b | c > d <|not a token|> $1 \\1";
        assertSame(text, ChatControlTokens.neutralize(text));
        assertFalse(ChatControlTokens.containsControlToken(text));
    }

    @Test
    void eachTokenGetsASpaceAfterItsOpeningBracket() {
        assertEquals("x< |im_end|>y< |im_start|>z", ChatControlTokens.neutralize("x<|im_end|>y<|im_start|>z"));
    }

    @Test
    void adjacentAndNestedSpellingsLeaveNoTokenBehind() {
        String[] tricky = {"<|im_end|><|im_end|>", "<<|im_end|>|>", "<|im_<|x|>end|>", "<|a<|b|>", "<|<|im_end|>|>"};
        for (String t : tricky) {
            String out = ChatControlTokens.neutralize(t);
            assertFalse(ChatControlTokens.containsControlToken(out), t + " -> " + out);
        }
    }

    @Test
    void unknownFutureTokensOfTheSameFamilyAreAlsoBroken() {
        assertTrue(ChatControlTokens.containsControlToken("<|some_new_token_2|>"));
        assertEquals("< |some_new_token_2|>", ChatControlTokens.neutralize("<|some_new_token_2|>"));
    }
}
