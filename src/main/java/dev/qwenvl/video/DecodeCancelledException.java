package dev.qwenvl.video;

import dev.qwenvl.QwenVlException;

/** A decode stopped early because its {@link DecodeLane} was cancelled (nobody wants the video any more). */
public final class DecodeCancelledException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public DecodeCancelledException(String source) {
        super("decoding " + source + " was cancelled: the stream stopped before the video was started");
    }
}
