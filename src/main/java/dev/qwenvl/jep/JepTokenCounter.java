package dev.qwenvl.jep;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Counts prompt tokens with the model's own tokenizer ({@code tokenizer.json} in the weights
 * folder) in the embedded interpreter, without loading the model, so that a prompt too long for
 * the context is refused before the weights load.
 */
public final class JepTokenCounter {
    private final PythonBridge bridge;

    public JepTokenCounter(PythonRuntime runtime) {
        this.bridge = new PythonBridge(Objects.requireNonNull(runtime, "runtime"));
    }

    /**
     * The token count of each text, in order; empty when the weights folder has no tokenizer or
     * the environment lacks the {@code tokenizers} package (nothing can be counted before loading).
     */
    public Optional<List<Integer>> count(Path weightsDir, List<String> texts) {
        return bridge.countTokens(weightsDir, texts);
    }
}
