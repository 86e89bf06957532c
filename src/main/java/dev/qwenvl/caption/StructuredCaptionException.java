package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;

/**
 * A structured caption is not what its schema asks for: not JSON (most often cut off at the output
 * token limit) or not valid against the schema. The window gets this error instead of a caption;
 * the message says which rule failed and quotes the start of the text.
 */
public class StructuredCaptionException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public StructuredCaptionException(String message) {
        super(message);
    }

    public StructuredCaptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
