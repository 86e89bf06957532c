package dev.qwenvl.benchmark;

import dev.qwenvl.model.ModelVariant;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a model folder without weights, for vLLM's {@code load_format=dummy} (random weights of
 * the right shapes, made on the accelerator): a config.json, and the tokenizer and processor files
 * of the tiny generated model ({@code python/tools/make_tiny_qwen2_5_vl.py}), whose special-token
 * ids are Qwen's real ones.
 *
 * <p>The published configs ship as resources in this package:
 * <ul>
 *   <li>{@code Qwen2.5-VL-7B-Instruct.config.json}: Qwen2.5-VL-7B-Instruct's dimensions (hidden
 *       3584, 28 layers, 28 heads / 4 KV heads, vocabulary 152064, vision depth 32 with full
 *       attention in blocks 7, 15, 23, 31), as used for the H200 run in the project's notes
 *       (make_7b_dummy.py), over the tiny model's token ids.</li>
 *   <li>{@code Qwen3-VL-8B-Instruct.config.json}: Qwen3-VL-8B-Instruct's config.json as published
 *       on the Hugging Face hub, taken from its copy as {@code QWEN3_VL_8B_CONFIG} in NVIDIA
 *       TensorRT-LLM's Qwen3-VL model test (which notes 36 layers for the full model) and checked
 *       against other public copies: text hidden 4096, intermediate 12288, 36 layers, 32 heads / 8
 *       KV heads, head dim 128, interleaved M-RoPE [24, 20, 20], vocabulary 151936; vision depth
 *       27, hidden 1152, patch 16, DeepStack layers 8, 16, 24.</li>
 * </ul>
 * The tiny architecture takes the tiny model's own config.json.
 */
public final class DummyModel {
    /** Files taken from the tiny generated model besides config.json (those that exist). */
    static final List<String> TOKENIZER_AND_PROCESSOR_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.json", "chat_template.jinja", "vocab.json", "merges.txt",
            "preprocessor_config.json", "video_preprocessor_config.json", "generation_config.json");

    private DummyModel() {}

    /** The resource with {@code variant}'s published config.json. */
    static String configResource(ModelVariant variant) {
        String id = variant.modelId();
        return id.substring(id.indexOf('/') + 1) + ".config.json";
    }

    /**
     * Writes {@code modelDir/<model id>} for {@code variant} with {@code architecture}'s config and
     * the tokenizer and processor files of {@code tinyModel} (the generated tiny model's folder).
     *
     * @return the written folder
     * @throws IllegalArgumentException when {@code tinyModel} lacks a tokenizer, naming the fix
     */
    public static Path write(ModelVariant variant, BenchmarkArchitecture architecture, Path tinyModel, Path modelDir) {
        if (!Files.isRegularFile(tinyModel.resolve("tokenizer.json")) || !Files.isRegularFile(tinyModel.resolve("config.json"))) {
            throw new IllegalArgumentException("no tiny " + variant.modelId() + " in " + tinyModel + " (its tokenizer and "
                    + "processor files are reused): generate it with `bash python/setup-e2e.sh` (which makes the tiny "
                    + "models, with the generators in python/tools)"
                    + ", or point --tiny-model-dir at the folder that holds it");
        }
        Path target = modelDir.resolve(variant.modelId());
        try {
            Files.createDirectories(target);
            for (String name : TOKENIZER_AND_PROCESSOR_FILES) {
                Path from = tinyModel.resolve(name);
                if (Files.isRegularFile(from)) {
                    Files.copy(from, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (architecture == BenchmarkArchitecture.TINY) {
                Files.copy(tinyModel.resolve("config.json"), target.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
            } else {
                try (InputStream in = DummyModel.class.getResourceAsStream(configResource(variant))) {
                    if (in == null) {
                        throw new IllegalStateException("resource " + configResource(variant) + " is missing from the jar");
                    }
                    Files.copy(in, target.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark model folder " + target + ": " + e.getMessage(), e);
        }
        return target;
    }
}
