package dev.qwenvl.cli;

import dev.qwenvl.model.ModelVariant;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which model and where its weights are: the options {@code caption} and {@code download} share. */
final class ModelOptions {

    @Option(names = "--variant", paramLabel = "KEY", defaultValue = "qwen", converter = VariantConverters.Model.class,
            description = "Model variant: qwen (Qwen2.5-VL-7B-Instruct), qwen3. Default: ${DEFAULT-VALUE}.")
    ModelVariant variant;

    @Option(names = "--model-dir", paramLabel = "DIR", defaultValue = "${env:QWENVL_MODEL_DIR:-models}",
            description = "Folder holding the weights in <DIR>/<model id>. Default: $QWENVL_MODEL_DIR, else ./models.")
    Path modelDir;
}
