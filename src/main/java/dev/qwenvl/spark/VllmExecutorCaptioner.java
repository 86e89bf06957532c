package dev.qwenvl.spark;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepSchemaCheck;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.util.List;

/**
 * Today's captioning path on an executor: {@link QwenVL} (vLLM in the embedded Python) and
 * {@link VideoCaptioner} over {@link JepVideoDecoder}. The streaming captioner replaces this
 * class, and only this class.
 */
final class VllmExecutorCaptioner implements ExecutorCaptioner {
    private final QwenVL model;
    private final VideoCaptioner captioner;
    private final StreamSettings stream;

    private VllmExecutorCaptioner(QwenVL model, VideoCaptioner captioner, StreamSettings stream) {
        this.model = model;
        this.captioner = captioner;
        this.stream = stream;
    }

    /** Loads the model (vLLM starts here) and returns the captioner. */
    static VllmExecutorCaptioner open(SparkCaptionConfig config, PythonRuntime runtime) {
        CaptionSettings settings = config.captionSettings();
        if (settings.captionSchema() != null) { // vLLM's grammar backend must compile it: before the model loads
            new JepSchemaCheck(runtime).check(settings.captionSchema().output(), settings.captionSchema().name());
        }
        QwenVL model = new QwenVL(config.modelConfig(), JepLlmEngine.factory(runtime));
        try {
            model.setup();
            return new VllmExecutorCaptioner(model,
                    new VideoCaptioner(model, new JepVideoDecoder(runtime), settings),
                    config.streamSettings());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public List<VideoCaptions> caption(List<VideoSource> sources) {
        return captioner.caption(sources, stream, CaptionProgress.NONE);
    }

    @Override
    public void close() {
        model.close();
    }
}
