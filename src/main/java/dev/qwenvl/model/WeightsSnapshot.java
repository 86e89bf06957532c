package dev.qwenvl.model;

import java.nio.file.Path;

/**
 * The weights of one model at one revision, complete on disk after a download.
 *
 * @param path     the folder holding them ({@code modelDir/modelId})
 * @param modelId  the HuggingFace model id
 * @param revision the revision asked for
 * @param commit   the full commit sha the revision resolved to
 * @param files    number of files
 * @param bytes    their total size
 * @param skipped  true when they were already complete and nothing was requested from the network
 */
public record WeightsSnapshot(Path path, String modelId, String revision, String commit, long files, long bytes,
                              boolean skipped) {}
