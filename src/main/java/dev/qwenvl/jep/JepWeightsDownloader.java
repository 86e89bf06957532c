package dev.qwenvl.jep;

import dev.qwenvl.model.DownloadProgress;
import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.model.WeightsDownloadOptions;
import dev.qwenvl.model.WeightsSnapshot;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a model's weights into {@code modelDir/modelId} through the Python half
 * ({@code qwenvl_bridge.download} through {@link PythonBridge}, huggingface_hub underneath): resumable, skipped without any
 * network request when a verified copy is already there, safe to run concurrently on one node.
 * Arguments travel as values. A failure the Python half recognises becomes a
 * {@link WeightsDownloadException} with its reason and message; anything else (a broken
 * environment, say) propagates as the runtime's exception.
 */
public final class JepWeightsDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(JepWeightsDownloader.class);
    private final PythonBridge bridge;

    public JepWeightsDownloader(PythonRuntime runtime) {
        this.bridge = new PythonBridge(runtime);
    }

    /**
     * Downloads {@code variant}'s weights into {@code modelDir}.
     *
     * @return what is on disk now
     * @throws WeightsDownloadException when the download fails (the message says how to fix it)
     */
    public WeightsSnapshot download(ModelVariant variant, Path modelDir, WeightsDownloadOptions options) {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(options, "options");
        String revision = options.revisionFor(variant);
        LOG.info("Fetching {} at {} into {}", variant.modelId(), revision, modelDir.toAbsolutePath());
        WeightsSnapshot snapshot = bridge.download(variant.modelId(), revision, modelDir, options.token(), options.endpoint(),
                new ProgressSink(options.progress()));
        LOG.info("{} at {} is complete in {} ({} files, {} bytes{})", snapshot.modelId(), snapshot.revision(),
                snapshot.path(), snapshot.files(), snapshot.bytes(), snapshot.skipped() ? ", already there" : "");
        return snapshot;
    }

    /** The object Python calls {@code report(done, total)} on; a plain public class so JEP can see the method. */
    public static final class ProgressSink {
        private final DownloadProgress progress;

        ProgressSink(DownloadProgress progress) {
            this.progress = progress;
        }

        public void report(long doneBytes, long totalBytes) {
            progress.report(doneBytes, totalBytes);
        }
    }
}
