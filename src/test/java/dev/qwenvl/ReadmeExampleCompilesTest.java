package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeps the README's "From Java" example compiling (it is the same code, not run here: it needs weights). */
class ReadmeExampleCompilesTest {

    @SuppressWarnings("unused")
    static void readmeExample() {
        QwenVlConfig config = QwenVlConfig.builder()
                .modelDir(Path.of("models"))
                .modelVariant("qwen")
                .captionBatchSize(8)
                .build();
        QwenVL.downloadWeightsOnNode(Path.of("models"));
        try (QwenVL model = QwenVL.create(config)) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model,
                    new JepVideoDecoder(PythonRuntime.shared()), CaptionSettings.defaults().withStage2(true));
            for (VideoCaptions video : captioner.caption(List.of(new VideoSource.VideoFile(Path.of("a.mp4"))))) {
                video.captions().forEach(c -> System.out.println(c.window().startSeconds() + "s: " + c.caption()));
                video.failure().ifPresent(e -> System.err.println(e.getMessage()));
            }
        }
    }

    @Test
    void theExampleConfigurationCarriesTheSeedDefaults() {
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("models")).modelVariant("qwen").captionBatchSize(8).build();
        assertEquals(Path.of("models/Qwen/Qwen2.5-VL-7B-Instruct"), config.weightsPath());
        assertEquals(512, config.maxOutputTokens());
        assertEquals(true, config.fp8());
    }
}
