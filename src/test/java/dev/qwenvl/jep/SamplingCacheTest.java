package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.qwenvl.engine.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * "Send the sampling parameters only when they changed" has one home per side: {@link
 * SamplingCache} in Java, {@code stream.submit} in Python (which builds vLLM's
 * {@code SamplingParams} from the kwargs it is sent, and reuses them when it gets none).
 */
class SamplingCacheTest {
    private static final SamplingParams A = new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), null);
    private static final SamplingParams B = new SamplingParams(0.1, 0.001, 1.05, 99, List.of(), 5);

    @Test
    void parametersAreSentWhenTheyChangeAndAfterAFailedCall() {
        SamplingCache cache = new SamplingCache();
        assertEquals(A.toKwargs(), cache.toSend(A));
        cache.sent(A);
        assertNull(cache.toSend(A), "unchanged: Python reuses what it holds");
        assertEquals(B.toKwargs(), cache.toSend(B));
        cache.sent(B);
        cache.forget();
        assertNotNull(cache.toSend(B), "after a failed call Python may not hold them");
    }

    @Test
    void eachSideHasOneHomeForTheCache() throws IOException {
        assertEquals(List.of("SamplingCache.java"), filesContaining(Path.of("src/main/java/dev/qwenvl/jep"), ".java",
                "(?m)^\\s*private\\s+(volatile\\s+)?SamplingParams\\s+\\w+;"),
                "Java: only SamplingCache remembers the sampling parameters Python holds");
        assertEquals(List.of("vllm_api.py"), filesContaining(Path.of("python/qwenvl_bridge"), ".py", "SamplingParams\\(\\*\\*"),
                "Python: only vllm_api builds vLLM's SamplingParams (structured outputs differ by version)");
        assertEquals(List.of("stream.py"), filesContaining(Path.of("python/qwenvl_bridge"), ".py", "vllm_api\\.sampling_params\\("),
                "Python: only the stream keeps vLLM's SamplingParams");
    }

    private static List<String> filesContaining(Path dir, String suffix, String regex) throws IOException {
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(suffix)).filter(f -> {
                try {
                    return pattern.matcher(Files.readString(f)).find();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
