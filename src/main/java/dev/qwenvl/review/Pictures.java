package dev.qwenvl.review;

import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.WindowThumbnails;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thumbnails of a video's windows, planned exactly as captioning planned them: the video is
 * probed, cut into windows with {@link Windowing} and the captioning {@link WindowingConfig}, and
 * each reviewed window's sampled frames are decoded and shrunk by {@link WindowThumbnails}. A video
 * that is gone or changed gets a placeholder (a sentence saying why) instead of pictures; nothing
 * here fails the page.
 */
final class Pictures {
    private static final Logger LOG = LoggerFactory.getLogger(Pictures.class);

    /** A window's pictures as {@code data:} URIs, or the reason it has none. */
    record Strip(List<String> dataUris, String placeholder) {
        static Strip missing(String why) {
            return new Strip(List.of(), why);
        }
    }

    private final VideoDecoder decoder;
    private final WindowThumbnails thumbnails;
    private final WindowingConfig windowing;
    private final int perWindow;
    private final int maxSide;

    Pictures(VideoDecoder decoder, WindowThumbnails thumbnails, WindowingConfig windowing, int perWindow, int maxSide) {
        this.decoder = decoder;
        this.thumbnails = thumbnails;
        this.windowing = windowing;
        this.perWindow = perWindow;
        this.maxSide = maxSide;
    }

    /** Strips for {@code windows} (all of one video), keyed by their line in the captions file. */
    Map<Integer, Strip> forVideo(String video, List<ReviewWindow> windows) {
        Map<Integer, Strip> out = new HashMap<>();
        Path path = Path.of(video);
        if (!Files.exists(path)) {
            windows.forEach(w -> out.put(w.line(), Strip.missing("Video not found at this path: it moved or was "
                    + "deleted since captioning.")));
            return out;
        }
        try {
            VideoSource source = new VideoSource.VideoFile(path);
            VideoInfo info = decoder.probe(source);
            List<VideoWindow> plan = Windowing.plan(video, info.frameCount(), info.fps(), windowing);
            List<ReviewWindow> matched = new ArrayList<>();
            List<VideoWindow> planned = new ArrayList<>();
            for (ReviewWindow w : windows) {
                VideoWindow p = w.window() < plan.size() ? plan.get(w.window()) : null;
                if (p == null || p.firstFrame() != w.firstFrame() || p.lastFrame() != w.lastFrame()) {
                    out.put(w.line(), Strip.missing("The video changed since captioning: window " + w.window()
                            + " was frames " + w.firstFrame() + "-" + w.lastFrame() + ", the file now "
                            + (p == null ? "has " + plan.size() + " window(s)" : "gives frames " + p.firstFrame() + "-"
                            + p.lastFrame()) + " (or the captions used other windowing settings)."));
                } else {
                    matched.add(w);
                    planned.add(p);
                }
            }
            if (!planned.isEmpty()) {
                List<List<byte[]>> pictures = thumbnails.thumbnails(source, planned, perWindow, maxSide);
                for (int i = 0; i < matched.size(); i++) {
                    out.put(matched.get(i).line(), new Strip(pictures.get(i).stream().map(Pictures::dataUri).toList(), null));
                }
            }
        } catch (VideoInputException e) {
            windows.forEach(w -> out.putIfAbsent(w.line(), Strip.missing("No pictures: the video cannot be read now ("
                    + e.reason() + "): " + e.getMessage())));
        } catch (RuntimeException e) {
            LOG.warn("thumbnails of {} failed", video, e);
            windows.forEach(w -> out.putIfAbsent(w.line(), Strip.missing("No pictures: making thumbnails failed: " + e)));
        }
        return out;
    }

    static String dataUri(byte[] jpeg) {
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg);
    }
}
