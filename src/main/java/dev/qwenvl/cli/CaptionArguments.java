package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.model.QwenVlConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The options of {@code qwenvl caption}, parsed for another front end (the Spark job,
 * {@code dev.qwenvl.spark.SparkCaptionMain}) so that it captions with exactly the settings, and so
 * the fingerprint, the CLI would use for the same options.
 *
 * @param inputs    the INPUT arguments as typed (URIs such as {@code s3a://b/x} are kept whole)
 * @param output    the {@code -o} argument as typed
 * @param model     the model settings
 * @param caption   the caption settings
 * @param warnings  what the user should hear about deprecated options given ({@code --batch-size},
 *                  {@code --group-size}: accepted and ignored)
 * @param python    {@code --python}, when given
 * @param verbose   {@code --verbose}
 * @param decodeThreads {@code --decode-threads}, when given (otherwise each machine takes its own
 *                  {@link StreamSettings#defaultDecodeThreads()})
 */
public record CaptionArguments(List<String> inputs, String output, QwenVlConfig model, CaptionSettings caption,
                               List<String> warnings, Optional<Path> python, boolean verbose,
                               Optional<Integer> decodeThreads) {

    public CaptionArguments {
        warnings = List.copyOf(warnings);
    }

    /**
     * Parses {@code args} as {@code qwenvl caption} would.
     *
     * @throws IllegalArgumentException saying what is wrong with the options
     * @throws HelpRequested            for {@code --help} or {@code --version}
     */
    public static CaptionArguments parse(String... args) {
        CaptionCommand command = new CaptionCommand();
        CommandLine cli = new CommandLine(command);
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            throw new HelpRequested();
        }
        try {
            QwenVlConfig model = command.modelConfig();
            CaptionSettings caption = command.captionSettings();
            StreamSettings stream = command.streamSettings(); // checks the values
            return new CaptionArguments(List.copyOf(parsed.matchedPositional(0).stringValues()),
                    parsed.matchedOption("-o").stringValues().get(0), model, caption, command.deprecationWarnings(),
                    Optional.ofNullable(command.python.python).map(Path::toAbsolutePath), command.verbose,
                    parsed.hasMatchedOption("--decode-threads") ? Optional.of(stream.decodeThreads()) : Optional.empty());
        } catch (CliFailure e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The caption command's option list, for a front end's help. */
    public static String usage() {
        StringWriter text = new StringWriter();
        new CommandLine(new CaptionCommand()).usage(new PrintWriter(text));
        return text.toString();
    }

    /** The video file extensions a folder is searched for (as the CLI's). */
    public static List<String> videoExtensions() {
        return VideoFinder.EXTENSIONS;
    }

    /** {@code --help} or {@code --version} was given: print {@link #usage()} and stop. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help requested", null, false, false);
        }
    }
}
