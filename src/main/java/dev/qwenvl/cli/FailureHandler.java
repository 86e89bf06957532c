package dev.qwenvl.cli;

import dev.qwenvl.engine.EngineException;
import dev.qwenvl.jep.PythonEnvironmentException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns what a command throws into a message on stderr and an exit code: {@link CliFailure} with
 * its own code; an unusable Python environment or an engine that cannot start (vLLM missing, model
 * not loadable) with {@link ExitCodes#CANNOT_START}, printing the library's message, which says
 * what to install or fix; anything else with {@link ExitCodes#FAILED} and its stack trace.
 */
final class FailureHandler implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        InterruptNotice.awaitHaltIfStopping(); // the JVM is shutting down: an engine closed under the run is no failure
        PrintWriter err = commandLine.getErr();
        String prefix = "qwenvl " + commandLine.getCommandName() + ": ";
        if (ex instanceof CliFailure f) {
            err.println(prefix + f.getMessage());
            err.flush();
            return f.exitCode();
        }
        if (ex instanceof PythonEnvironmentException || ex instanceof EngineException) {
            err.println(prefix + "cannot start: " + ex.getMessage());
            err.flush();
            return ExitCodes.CANNOT_START;
        }
        err.println(prefix + "failed: " + ex);
        ex.printStackTrace(err);
        err.flush();
        return ExitCodes.FAILED;
    }
}
