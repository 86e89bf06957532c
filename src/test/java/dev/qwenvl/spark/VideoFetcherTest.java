package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.video.VideoInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoFetcherTest {
    @TempDir
    Path dir;

    private final VideoFetcher fetcher = new VideoFetcher(Map.of());

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void localPathsAndFileUrisAreReadInPlaceAndHashed() throws Exception {
        byte[] data = "not really a video, but bytes to hash".getBytes();
        Path video = Files.write(dir.resolve("a b.mp4"), data);
        for (String uri : new String[] {video.toString(), video.toUri().toString()}) {
            try (VideoFetcher.Fetched f = fetcher.fetch(uri)) {
                assertEquals(video, f.source().path(), uri);
                assertNull(f.temp(), "no copy of a local file");
                assertEquals(sha256(data), f.sha256());
                assertEquals(uri, f.uri());
            }
        }
        assertTrue(Files.exists(video), "a local input is never deleted");
    }

    @Test
    void remoteUrisAreCopiedThroughHadoopToATempFileDeletedOnClose() throws Exception {
        byte[] data = new byte[300_000];
        new java.util.Random(1).nextBytes(data);
        Path video = Files.write(dir.resolve("remote.mkv"), data);
        Path temp;
        // Hadoop's local file system stands in for an object store: the same FileSystem code path
        try (VideoFetcher.Fetched f = fetcher.copyThroughHadoop(video.toUri().toString())) {
            temp = f.temp();
            assertNotEquals(video, f.source().path());
            assertTrue(temp.getFileName().toString().endsWith(".mkv"), temp.toString());
            assertEquals(sha256(data), f.sha256());
            assertEquals(sha256(Files.readAllBytes(temp)), f.sha256());
        }
        assertFalse(Files.exists(temp), "the copy is deleted when captioning is done");
    }

    @Test
    void anUnreadableUriIsAnIoExceptionNamingItAndAMissingFileAVideoInputError() {
        String uri = dir.resolve("nope.mp4").toUri().toString().replace("file:", "file://");
        assertThrows(IOException.class, () -> fetcher.copyThroughHadoop(uri));
        VideoInputException missing = assertThrows(VideoInputException.class,
                () -> fetcher.fetch(dir.resolve("missing.mp4").toString()));
        assertEquals(VideoInputException.Reason.MISSING_FILE, missing.reason());
        assertThrows(IOException.class, () -> fetcher.fetch("nosuchscheme://bucket/a.mp4"));
    }

    @Test
    void onlyLocalPathsSkipHadoop() {
        assertEquals(Path.of("/data/a.mp4"), VideoFetcher.localPath("/data/a.mp4"));
        assertEquals(Path.of("/data/a b.mp4"), VideoFetcher.localPath("file:/data/a%20b.mp4"));
        assertEquals(Path.of("/data/a.mp4"), VideoFetcher.localPath("file:///data/a.mp4"));
        assertEquals(Path.of("rel/a.mp4"), VideoFetcher.localPath("rel/a.mp4"));
        assertNull(VideoFetcher.localPath("s3a://bucket/a.mp4"));
        assertNull(VideoFetcher.localPath("hdfs://nn:8020/a.mp4"));
    }
}
