package dev.qwenvl.model;

import java.nio.file.Path;

/**
 * Puts a model variant's weights on this node's disk (the seed's {@code download_weights_on_node}).
 * Implementations are resumable and skip a verified complete copy without any network request.
 */
@FunctionalInterface
public interface WeightsDownloader {

    /**
     * Makes {@code modelDir/<model id>} hold {@code variant}'s weights at the revision in
     * {@code options}.
     *
     * @return what is on disk now
     * @throws WeightsDownloadException when the download fails (the message says how to fix it)
     */
    WeightsSnapshot download(ModelVariant variant, Path modelDir, WeightsDownloadOptions options);
}
