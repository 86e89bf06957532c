package dev.qwenvl.jep;

import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.model.StandInHub;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.model.WeightsDownloadOptions;
import dev.qwenvl.model.WeightsSnapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java download API through the real embedded Python against the stand-in hub (never a real hub). */
class JepWeightsDownloaderIT {
    private static final ModelVariant VARIANT = ModelVariant.QWEN;

    @TempDir
    static Path hfHome;

    private static PythonRuntime runtime;
    private static StandInHub hub;

    @BeforeAll
    static void start() throws Exception {
        hub = StandInHub.start(VARIANT.modelId(), VARIANT.revision());
        runtime = PythonRuntime.start(TestPython.config()
                .environment("HF_HOME", hfHome.toString())
                .environment("HF_HUB_DISABLE_TELEMETRY", "1")
                .environment("HF_HUB_ETAG_TIMEOUT", "2")
                .build());
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        hub.close();
    }

    private static WeightsDownloadOptions toHub() {
        return WeightsDownloadOptions.defaults().withEndpoint(hub.endpoint());
    }

    @Test
    void downloadsEveryFileIntoModelDirSlashModelIdThenSkipsTheRerun(@TempDir Path modelDir) throws Exception {
        List<long[]> reports = new ArrayList<>();
        JepWeightsDownloader downloader = new JepWeightsDownloader(runtime);

        WeightsSnapshot first = downloader.download(VARIANT, modelDir,
                toHub().withProgress((done, total) -> reports.add(new long[] {done, total})));

        Path expected = modelDir.resolve("Qwen").resolve("Qwen2.5-VL-7B-Instruct").toAbsolutePath();
        assertEquals(expected, first.path());
        assertFalse(first.skipped());
        assertEquals(3, first.files());
        assertEquals(VARIANT.revision(), first.revision());
        assertTrue(first.commit().startsWith(VARIANT.revision()), first.commit());
        assertEquals(256 * 64, Files.size(expected.resolve("model-00001-of-00001.safetensors")));
        assertTrue(Files.isRegularFile(expected.resolve("tokenizer/vocab.txt")));
        assertFalse(reports.isEmpty(), "progress was reported");
        long[] last = reports.get(reports.size() - 1);
        assertEquals(last[1], last[0], "progress ends at the total");

        WeightsSnapshot again = downloader.download(VARIANT, modelDir, toHub());
        assertTrue(again.skipped(), "a complete copy is not downloaded again");
        assertEquals(first.bytes(), again.bytes());
    }

    @Test
    void anUnknownRevisionIsAWeightsDownloadExceptionNamingModelRevisionAndFix(@TempDir Path modelDir) {
        WeightsDownloadException e = assertThrows(WeightsDownloadException.class, () -> new JepWeightsDownloader(runtime)
                .download(VARIANT, modelDir, toHub().withRevision("deadbee")));
        assertEquals(WeightsDownloadException.Reason.UNKNOWN_REVISION, e.reason());
        assertEquals(VARIANT.modelId(), e.modelId());
        assertEquals("deadbee", e.revision());
        assertTrue(e.getMessage().contains(VARIANT.modelId()) && e.getMessage().contains("deadbee"), e.getMessage());
    }
}
