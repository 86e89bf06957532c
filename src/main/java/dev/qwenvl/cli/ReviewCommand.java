package dev.qwenvl.cli;

import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.JepWindowThumbnails;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.review.ReviewPage;
import dev.qwenvl.review.ReviewReport;
import dev.qwenvl.video.WindowingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qwenvl review}: one self-contained HTML page of a run's windows, their frames and captions. */
@Command(name = "review", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write one self-contained HTML page (opens offline in any browser) of a captions file: per window, "
                + "thumbnails of the frames the model saw beside its caption and recorded facts; a summary with failures "
                + "by reason and plots; search and sorting. Videos that moved or changed since captioning get a "
                + "placeholder.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the page was written", "1:a file could not be read or written",
                "2:bad options, or the Python environment is unusable"})
final class ReviewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CAPTIONS", description = "Captions file (JSON lines) of qwenvl caption.")
    Path captions;

    @Option(names = "--errors", paramLabel = "FILE",
            description = "Errors file of the run. Default: CAPTIONS with .errors.jsonl in place of its extension, when it exists.")
    Path errors;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The HTML page to write.")
    Path output;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "0",
            description = "Show N windows picked at random (0: all). Default: ${DEFAULT-VALUE}.")
    int sample;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed of --sample's random pick. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--thumbs", paramLabel = "N", defaultValue = "" + ReviewPage.DEFAULT_THUMBS,
            description = "Thumbnails per window, taken evenly from the frames the model saw (0: none, no Python "
                    + "needed). Default: ${DEFAULT-VALUE}.")
    int thumbs;

    @Option(names = "--thumb-size", paramLabel = "PX", defaultValue = "" + ReviewPage.DEFAULT_THUMB_SIDE,
            description = "Longest side of a thumbnail in pixels. Default: ${DEFAULT-VALUE}.")
    int thumbSize;

    @Option(names = "--sampling-fps", paramLabel = "FPS", defaultValue = "" + WindowingConfig.DEFAULT_SAMPLING_FPS,
            description = "As given to qwenvl caption (to find each window's frames). Default: ${DEFAULT-VALUE}.")
    double samplingFps;

    @Option(names = "--window-frames", paramLabel = "N", defaultValue = "" + WindowingConfig.DEFAULT_WINDOW_FRAMES,
            description = "As given to qwenvl caption. Default: ${DEFAULT-VALUE}.")
    int windowFrames;

    @Mixin
    PythonOptions python = new PythonOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(captions)) {
            throw new CliFailure(ExitCodes.CANNOT_START, "captions file " + captions + " does not exist; pass the -o "
                    + "file of qwenvl caption");
        }
        Path errorsPath = errors;
        if (errorsPath == null && Files.exists(CaptionCommand.defaultErrorsPath(captions))) {
            errorsPath = CaptionCommand.defaultErrorsPath(captions);
        }
        ReviewPage.Builder page;
        try {
            page = ReviewPage.builder(captions).errors(errorsPath).sample(sample, seed).thumbsPerWindow(thumbs)
                    .thumbSide(thumbSize).windowing(windowing());
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.CANNOT_START, e.getMessage(), e);
        }
        if (thumbs > 0) {
            python.apply();
            PythonRuntime runtime = PythonRuntime.shared();
            page.thumbnails(new JepVideoDecoder(runtime), new JepWindowThumbnails(runtime));
        }
        ReviewReport r;
        try {
            r = page.build().write(output);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.FAILED, "qwenvl review: " + e, e);
        }
        out.println(String.format(Locale.ROOT, "qwenvl review: wrote %s (%d windows of %d videos%s, %d thumbnails, "
                        + "%d without pictures, %d failed videos; %.1f MB) in %.1f s",
                r.page(), r.windows(), r.videos(), r.windows() < r.windowsInFile() ? ", sampled from " + r.windowsInFile() : "",
                r.thumbnails(), r.placeholders(), r.failures(), r.bytes() / 1e6, r.seconds()));
        out.flush();
        return ExitCodes.OK;
    }

    private WindowingConfig windowing() {
        WindowingConfig.Builder windowing = WindowingConfig.builder().samplingFps(samplingFps).windowFrames(windowFrames);
        if (windowFrames != WindowingConfig.DEFAULT_WINDOW_FRAMES) { // as qwenvl caption derives it
            windowing.minRemainderFrames(Math.max(WindowingConfig.DEFAULT_MIN_SAMPLED_FRAMES, windowFrames / 2));
        }
        return windowing.build();
    }
}
