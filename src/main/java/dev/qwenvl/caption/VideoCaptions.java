package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.video.VideoSource;
import java.util.List;
import java.util.Optional;

/**
 * The outcome for one video: the captions of the windows that succeeded, in window order, and the
 * error when the video (or some of its windows) failed. A bad video never takes others down.
 *
 * @param source   the input
 * @param captions captions of the windows that succeeded
 * @param error    why the video or some of its windows failed; {@code null} when all succeeded
 */
public record VideoCaptions(VideoSource source, List<WindowCaption> captions, QwenVlException error) {

    public VideoCaptions {
        captions = List.copyOf(captions);
    }

    public boolean succeeded() {
        return error == null;
    }

    public Optional<QwenVlException> failure() {
        return Optional.ofNullable(error);
    }
}
