package dev.qwenvl.caption;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.prompt.QwenPromptFormatter;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captions whole videos: probe, cut into windows, decode and preprocess, prompt, generate, and map
 * every caption back to its video and window.
 *
 * <p>Nothing is lost to one bad input: a video that cannot be read gets its typed error and the
 * others are captioned; when an engine call fails, its windows are retried one by one, so only the
 * windows that fail alone are reported as failed. When the engine's process dies
 * ({@link EngineDiedException}), the windows of that call and of every later call fail with it,
 * without retries: the caller decides whether to restart the engine ({@link QwenVL#setup()}).
 *
 * <p>Memory: the frames of all windows of the videos passed to one {@link #caption} call are held
 * (on the Python side) until the call returns; callers with many videos pass them in groups.
 * Thread-safe when its model and decoder are.
 */
public final class VideoCaptioner {
    private static final Logger LOG = LoggerFactory.getLogger(VideoCaptioner.class);

    private final QwenVL model;
    private final VideoDecoder decoder;
    private final CaptionSettings settings;
    private final QwenPromptFormatter formatter;

    public VideoCaptioner(QwenVL model, VideoDecoder decoder, CaptionSettings settings) {
        this.model = Objects.requireNonNull(model, "model");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.formatter = new QwenPromptFormatter(model.config().modelVariant().family().defaultSystemPrompt());
    }

    public CaptionSettings settings() {
        return settings;
    }

    /** The prompt every window is captioned with. */
    public String prompt() {
        return formatter.format(instruction());
    }

    /** The instruction every window is captioned with (the custom text, else the variant's). */
    private String instruction() {
        return settings.promptVariant().instructionOr(settings.promptText());
    }

    /** Captions {@code sources}; one result per source, in input order. */
    public List<VideoCaptions> caption(List<VideoSource> sources) {
        return caption(sources, CaptionProgress.NONE);
    }

    /** Captions {@code sources}, telling {@code progress} as windows are done. */
    public List<VideoCaptions> caption(List<VideoSource> sources, CaptionProgress progress) {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(progress, "progress");
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i) == null) {
                throw new IllegalArgumentException("sources[" + i + "] is null; pass a VideoSource for every element");
            }
        }
        Map<Integer, Outcome> outcomes = new LinkedHashMap<>();
        List<PreparedVideo> prepared = new ArrayList<>();
        try {
            List<Slot> slots = new ArrayList<>();
            String instruction = instruction();
            String prompt = formatter.format(instruction);
            for (int v = 0; v < sources.size(); v++) {
                VideoSource source = sources.get(v);
                Outcome outcome = new Outcome(source);
                outcomes.put(v, outcome);
                PreparedVideo video = prepare(source, outcome);
                if (video == null) {
                    continue;
                }
                prepared.add(video);
                for (int w = 0; w < video.windows().size(); w++) {
                    Map<String, Object> kwargs = new LinkedHashMap<>(video.processorKwargs().get(w));
                    kwargs.put("fps", video.windows().get(w).sampledFps());
                    slots.add(new Slot(outcome, video.windows().get(w), new EngineRequest(prompt, video.payloads().get(w),
                            kwargs, instruction)));
                }
            }
            progress.windowsPlanned(slots.size());
            for (int start = 0; start < slots.size(); start += settings.batchSize()) {
                List<Slot> chunk = slots.subList(start, Math.min(slots.size(), start + settings.batchSize()));
                captionChunk(chunk);
                progress.windowsDone(chunk.size());
            }
        } finally {
            prepared.forEach(PreparedVideo::close);
        }
        List<VideoCaptions> results = new ArrayList<>(sources.size());
        for (Outcome o : outcomes.values()) {
            results.add(o.result());
        }
        return results;
    }

    private PreparedVideo prepare(VideoSource source, Outcome outcome) {
        try {
            VideoInfo info = decoder.probe(source);
            List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(), settings.windowing());
            PreparedVideo video = decoder.prepare(source, windows, model.config().modelVariant().keys().get(0),
                    model.config().modelDoesPreprocess());
            try {
                checkContext(video);
            } catch (VideoInputException e) {
                video.close();
                throw e;
            }
            return video;
        } catch (QwenVlException e) {
            LOG.warn("Skipping {}: {}", source.displayName(), e.getMessage());
            outcome.fail(e);
            return null;
        }
    }

    /**
     * Refuses, before anything reaches vLLM, a window whose frames and prompt would not fit the
     * model's context ({@link QwenVlSettings#MAX_MODEL_LEN}). The prompt is counted generously
     * (one token per UTF-8 byte, which byte-level BPE never exceeds), plus the caption and, with
     * stage 2, the rewrite text and the first caption.
     */
    private void checkContext(PreparedVideo video) {
        int text = prompt().getBytes(StandardCharsets.UTF_8).length + model.config().maxOutputTokens();
        if (settings.stage2()) {
            text += model.config().stage2PromptText().getBytes(StandardCharsets.UTF_8).length + model.config().maxOutputTokens();
        }
        for (int w = 0; w < video.windows().size(); w++) {
            int tokens = video.videoTokens().get(w);
            if (tokens + text > QwenVlSettings.MAX_MODEL_LEN) {
                VideoWindow window = video.windows().get(w);
                throw new VideoInputException(video.source().displayName(), VideoInputException.Reason.WINDOW_TOO_LONG,
                        "window " + window.windowIndex() + " (frames " + window.firstFrame() + "-" + window.lastFrame() + ", "
                                + window.sampledFrameIndices().size() + " sampled) needs " + tokens + " video tokens plus up to "
                                + text + " for the text, over the model's context of " + QwenVlSettings.MAX_MODEL_LEN
                                + " tokens; lower the sampling rate or the window length");
            }
        }
    }

    private void captionChunk(List<Slot> chunk) {
        List<EngineRequest> requests = chunk.stream().map(Slot::request).toList();
        try {
            record(chunk, model.generate(requests, settings.stage2(), settings.batchSize()));
            return;
        } catch (EngineDiedException e) {
            // the engine is gone: retrying one by one would only fail again
            chunk.forEach(slot -> slot.outcome().fail(e));
            return;
        } catch (EngineException e) {
            if (chunk.size() == 1) {
                chunk.get(0).outcome().fail(e);
                return;
            }
            LOG.warn("An engine call of {} windows failed ({}); retrying them one by one to find the culprit",
                    chunk.size(), e.getMessage());
        }
        for (Slot slot : chunk) {
            try {
                record(List.of(slot), model.generate(List.of(slot.request()), settings.stage2(), 1));
            } catch (EngineDiedException e) {
                slot.outcome().fail(e);
            } catch (EngineException e) {
                LOG.warn("Window {} of {} failed: {}", slot.window().windowIndex(), slot.outcome().source.displayName(), e.getMessage());
                slot.outcome().fail(e);
            }
        }
    }

    private void record(List<Slot> slots, List<String> captions) {
        int stage = settings.stage2() ? 2 : 1;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            s.outcome().captions.add(new WindowCaption(s.outcome().source.displayName(), s.window(), captions.get(i), stage));
        }
    }

    private record Slot(Outcome outcome, VideoWindow window, EngineRequest request) {}

    /** What happened to one video so far. */
    private static final class Outcome {
        final VideoSource source;
        final List<WindowCaption> captions = new ArrayList<>();
        QwenVlException error;

        Outcome(VideoSource source) {
            this.source = source;
        }

        void fail(QwenVlException e) {
            // the engine's death wins: it tells the caller that the engine must be restarted
            if (error == null || e instanceof EngineDiedException && !(error instanceof EngineDiedException)) {
                error = e;
            }
        }

        VideoCaptions result() {
            List<WindowCaption> ordered = new ArrayList<>(captions);
            ordered.sort((a, b) -> Integer.compare(a.window().windowIndex(), b.window().windowIndex()));
            return new VideoCaptions(source, ordered, error);
        }
    }
}
