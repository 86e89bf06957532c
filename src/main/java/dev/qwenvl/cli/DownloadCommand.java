package dev.qwenvl.cli;

import dev.qwenvl.model.DownloadProgress;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.WeightsDownloadException;
import dev.qwenvl.model.WeightsDownloadOptions;
import dev.qwenvl.model.WeightsSnapshot;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwenvl download}: puts a variant's weights into the model directory (QwenVL.downloadWeightsOnNode). */
@Command(name = "download", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Download a model's weights into MODEL_DIR/<model id> at the pinned revision. A complete copy "
                + "is detected without any network request, so rerunning is cheap; a connection cut mid-file resumes "
                + "where it stopped (a killed run fetches its unfinished file again). "
                + "The token comes from HF_TOKEN (or the token file of `hf auth login`).", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the weights are complete", "1:the download failed (the message says why and how to fix it)",
                "2:bad options, or the Python environment is unusable"})
final class DownloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--revision", paramLabel = "R",
            description = "Revision (commit) to fetch. Default: the variant's pinned revision.")
    String revision;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Hub URL. Default: $HF_ENDPOINT, else https://huggingface.co.")
    String endpoint;

    @Mixin
    PythonOptions python = new PythonOptions();

    @Override
    public Integer call() {
        python.apply();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = System.console() != null;
        DownloadProgress progress = terminal ? (done, total) -> {
            err.print(String.format(Locale.ROOT, "\rdownloading %s: %d%% (%d of %d MB)   ", model.variant.modelId(),
                    total > 0 ? done * 100 / total : 100, done >> 20, total >> 20));
            err.flush();
        } : DownloadProgress.NONE;
        WeightsDownloadOptions options = new WeightsDownloadOptions(revision, System.getenv("HF_TOKEN"), endpoint, progress);
        WeightsSnapshot s;
        try {
            s = QwenVL.downloadWeightsOnNode(model.modelDir, model.variant, options);
        } catch (WeightsDownloadException e) {
            if (terminal) {
                err.println();
            }
            throw new CliFailure(ExitCodes.FAILED, e.getMessage() + " [" + e.reason() + "]", e);
        }
        if (terminal) {
            err.print("\r");
        }
        out.println(s.modelId() + " at " + s.revision() + (s.skipped() ? " was already complete in " : " downloaded into ")
                + s.path() + " (" + s.files() + " files, " + s.bytes() + " bytes, commit " + s.commit() + ")");
        out.flush();
        return ExitCodes.OK;
    }
}
