package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.DecodeCancelledException;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.util.List;

/**
 * Prepares one video in two steps, so that the stream can count its frames against the
 * {@link FrameBudget} before they exist: {@link #plan} probes it, cuts it into windows and says
 * how many bytes its frames will take; {@link #decode} decodes and preprocesses those windows (on
 * a decode lane) and checks they fit the context.
 */
final class VideoPreparation {
    private final VideoDecoder decoder;
    private final QwenVlConfig model;
    private final CaptionSettings settings;
    private final ContextCheck context;

    /** A probed video cut into windows, and the bytes its prepared frames will take. */
    record Plan(VideoSource source, List<VideoWindow> windows, long frameBytes) {}

    VideoPreparation(VideoDecoder decoder, QwenVlConfig model, CaptionSettings settings, ContextCheck context) {
        this.decoder = decoder;
        this.model = model;
        this.settings = settings;
        this.context = context;
    }

    /**
     * Probes {@code source} and plans its windows.
     *
     * @throws QwenVlException why the video cannot be captioned (typed: {@link VideoInputException}
     *                         for a bad input)
     */
    Plan plan(VideoSource source) {
        VideoInfo info = decoder.probe(source);
        List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(), settings.windowing());
        return new Plan(source, windows, decoder.frameBytes(info, windows, family(), model.modelDoesPreprocess()));
    }

    /**
     * The prepared video (the caller closes it), decoded on {@code lane}.
     *
     * @throws DecodeCancelledException when {@code lane} was cancelled first
     * @throws QwenVlException          why the video cannot be captioned (typed: {@link VideoInputException}
     *                                  for a bad input)
     */
    PreparedVideo decode(Plan plan, DecodeLane lane) {
        PreparedVideo video = decoder.prepare(plan.source(), plan.windows(), family(), model.modelDoesPreprocess(), lane);
        try {
            context.check(video);
        } catch (VideoInputException e) {
            video.close();
            throw e;
        }
        return video;
    }

    /** {@link #plan} and {@link #decode} on one default lane. */
    PreparedVideo prepare(VideoSource source) {
        return decode(plan(source), DecodeLane.DEFAULT);
    }

    private String family() {
        return model.modelVariant().keys().get(0);
    }
}
