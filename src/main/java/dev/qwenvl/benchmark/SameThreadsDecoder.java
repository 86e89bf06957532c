package dev.qwenvl.benchmark;

import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.util.List;
import java.util.Objects;

/**
 * A decoder that gives every lane's decode {@code codecThreads} FFmpeg threads, whatever the lane
 * rule would give: the feed benchmark's one-lane baseline with as many FFmpeg threads as each of
 * the K lanes has, so that the K-lane ratio shows how the lanes scale rather than how FFmpeg's own
 * frame threads do. Everything else is the wrapped decoder's. The frames do not depend on the
 * thread count ({@link DecodeLane}).
 */
final class SameThreadsDecoder implements VideoDecoder {
    private final VideoDecoder decoder;
    private final int codecThreads;

    SameThreadsDecoder(VideoDecoder decoder, int codecThreads) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        if (codecThreads < 1) {
            throw new IllegalArgumentException("codecThreads must be at least 1, got " + codecThreads);
        }
        this.codecThreads = codecThreads;
    }

    @Override
    public VideoInfo probe(VideoSource source) {
        return decoder.probe(source);
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        return prepare(source, windows, family, modelPreprocesses, DecodeLane.DEFAULT);
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses,
                                 DecodeLane lane) {
        return decoder.prepare(source, windows, family, modelPreprocesses, new DecodeLane(codecThreads, lane.cancelled()));
    }

    @Override
    public long frameBytes(VideoInfo info, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        return decoder.frameBytes(info, windows, family, modelPreprocesses);
    }
}
