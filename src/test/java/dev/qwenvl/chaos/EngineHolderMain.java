package dev.qwenvl.chaos;

import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Path;

/**
 * A JVM that holds an engine with a real engine process (the stand-in's process mode), prints
 * {@code READY}, waits for a line on stdin, then ends the way its argument says, never closing anything: {@code wait} (to be
 * killed with {@code kill -9}), {@code exit} ({@code System.exit(0)}), {@code throw} (an uncaught
 * exception ends main).
 */
public final class EngineHolderMain {
    private EngineHolderMain() {}

    public static void main(String[] args) throws Exception {
        PythonRuntime runtime = PythonRuntime.start(TestPython.config().environment("QWENVL_STANDIN_ENGINE_PROCESS", "1").build());
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(8).build(), JepLlmEngine.factory(runtime));
        model.setup();
        System.out.println("READY");
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine(); // the test's "go"
        switch (args[0]) {
            case "wait" -> Thread.sleep(600_000);
            case "exit" -> System.exit(0);
            case "throw" -> throw new IllegalStateException("an uncaught exception ends this JVM");
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
