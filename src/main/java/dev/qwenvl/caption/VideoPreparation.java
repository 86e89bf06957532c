package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.util.List;

/** Probes a video, cuts it into windows, decodes and preprocesses them, and checks they fit the context. */
final class VideoPreparation {
    private final VideoDecoder decoder;
    private final QwenVlConfig model;
    private final CaptionSettings settings;
    private final ContextCheck context;

    VideoPreparation(VideoDecoder decoder, QwenVlConfig model, CaptionSettings settings, ContextCheck context) {
        this.decoder = decoder;
        this.model = model;
        this.settings = settings;
        this.context = context;
    }

    /**
     * The prepared video (the caller closes it).
     *
     * @throws QwenVlException why the video cannot be captioned (typed: {@link VideoInputException}
     *                         for a bad input)
     */
    PreparedVideo prepare(VideoSource source) {
        VideoInfo info = decoder.probe(source);
        List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(), settings.windowing());
        PreparedVideo video = decoder.prepare(source, windows, model.modelVariant().keys().get(0), model.modelDoesPreprocess());
        try {
            context.check(video);
        } catch (VideoInputException e) {
            video.close();
            throw e;
        }
        return video;
    }
}
