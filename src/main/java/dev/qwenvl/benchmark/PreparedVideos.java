package dev.qwenvl.benchmark;

import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A decoder that hands back videos prepared beforehand, so that the caption stream runs without
 * decoding: the feed benchmark's frontend-only figure. {@link #record} probes and prepares each
 * video once with the real decoder and keeps it; {@link #prepare} then returns a view of it whose
 * close releases nothing, so the same frames can be captioned again; {@link #close} releases them
 * all. Asked for windows other than those recorded, it fails (the caption settings must be the
 * same). Not thread-safe for {@link #record}; {@link #probe} and {@link #prepare} only read.
 */
final class PreparedVideos implements VideoDecoder, AutoCloseable {
    private final Map<VideoSource, VideoInfo> infos = new HashMap<>();
    private final Map<VideoSource, PreparedVideo> videos = new HashMap<>();

    /** Keeps {@code video}, probed as {@code info}. */
    void record(VideoInfo info, PreparedVideo video) {
        infos.put(video.source(), info);
        videos.put(video.source(), video);
    }

    /** Windows recorded, over all videos. */
    int windows() {
        return videos.values().stream().mapToInt(v -> v.windows().size()).sum();
    }

    @Override
    public VideoInfo probe(VideoSource source) {
        return Objects.requireNonNull(infos.get(source), () -> "not recorded: " + source.displayName());
    }

    @Override
    public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
        PreparedVideo kept = videos.get(source);
        if (kept == null || !kept.windows().equals(windows)) {
            throw new IllegalStateException("windows of " + source.displayName() + " differ from the recorded ones");
        }
        List<dev.qwenvl.engine.PixelBounds> bounds = new ArrayList<>();
        for (int w = 0; w < kept.windows().size(); w++) {
            bounds.add(kept.pixelBounds(w).orElse(null));
        }
        return new PreparedVideo(source, kept.windows(), kept.payloads(), bounds, kept.videoTokens(), () -> { },
                kept.frameBytes());
    }

    @Override
    public void close() {
        videos.values().forEach(PreparedVideo::close);
        videos.clear();
        infos.clear();
    }
}
