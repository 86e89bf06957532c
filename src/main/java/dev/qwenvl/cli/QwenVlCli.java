package dev.qwenvl.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code qwenvl} command line: {@code qwenvl download} fetches weights, {@code qwenvl caption}
 * captions videos into JSON lines, {@code qwenvl benchmark} measures the machine with dummy weights,
 * {@code qwenvl review} writes an HTML page of the captions beside their frames.
 * Run with {@code java -jar qwenvl-cli.jar}.
 */
@Command(name = "qwenvl", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        subcommands = {DownloadCommand.class, CaptionCommand.class, BenchmarkCommand.class, ReviewCommand.class},
        description = {"Caption videos with Qwen2.5-VL through vLLM, in-process (embedded CPython through JEP).",
                "The Python environment: --python PATH, $QWENVL_PYTHON, else ./.venv/bin/python."})
public final class QwenVlCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage, and exit code 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.CANNOT_START;
    }

    public static void main(String[] args) {
        CliLogging.configure();
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with the given streams and returns the exit code (for tests and embedding). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new QwenVlCli());
        cli.setExecutionExceptionHandler(new FailureHandler());
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            String name = failed == cli ? "qwenvl" : "qwenvl " + failed.getCommandName();
            failed.getErr().println(name + ": " + ex.getMessage());
            failed.getErr().println("Try '" + name + " --help' for more information.");
            failed.getErr().flush();
            return ExitCodes.CANNOT_START;
        });
        return cli;
    }
}
