package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class WeightsDownloadOptionsTest {

    @Test
    void theBuilderStartsAtTheDefaultsAndBlankMeansDefault() {
        assertEquals(WeightsDownloadOptions.defaults(), WeightsDownloadOptions.builder().build());
        WeightsDownloadOptions o = WeightsDownloadOptions.builder().revision(" ").token("").endpoint(null).build();
        assertNull(o.revision());
        assertNull(o.token());
        assertSame(DownloadProgress.NONE, o.progress());
        assertEquals(ModelVariant.QWEN.revision(), o.revisionFor(ModelVariant.QWEN));
    }

    @Test
    void toBuilderAndWithChangeOneValueAndKeepTheRest() {
        DownloadProgress progress = (done, total) -> { };
        WeightsDownloadOptions o = WeightsDownloadOptions.builder().revision("abc").token("hf_secret")
                .endpoint("http://hub").progress(progress).build();
        assertEquals(o, o.toBuilder().build());
        WeightsDownloadOptions other = o.withEndpoint("http://mirror");
        assertEquals("abc", other.revisionFor(ModelVariant.QWEN));
        assertEquals("hf_secret", other.token());
        assertEquals("http://mirror", other.endpoint());
        assertSame(progress, other.progress());
        assertFalse(o.toString().contains("hf_secret"), o.toString());
    }
}
