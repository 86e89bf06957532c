package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.cli.CaptionArguments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoListingTest {
    @TempDir
    Path dir;

    private final VideoListing listing = new VideoListing(new Configuration(), CaptionArguments.videoExtensions());

    private static String uri(Path p) {
        return "file:" + p.toAbsolutePath();
    }

    @Test
    void aFolderGivesItsVideosRecursivelySortedAsQualifiedUris() throws Exception {
        Path b = Files.createFile(Files.createDirectories(dir.resolve("v/sub")).resolve("b.MKV"));
        Path a = Files.createFile(dir.resolve("v/a.mp4"));
        Files.createFile(dir.resolve("v/notes.txt"));
        Files.createFile(dir.resolve("v/sub/c.jpg"));
        assertEquals(List.of(uri(a), uri(b)), listing.list(List.of(dir.resolve("v").toString())));
    }

    @Test
    void aTextFileListsVideosRelativeToItsFolderSkippingBlanksAndComments() throws Exception {
        Path list = Files.writeString(dir.resolve("videos.txt"),
                "# my videos\nclips/x.mp4\n\n  /data/y.webm  \ns3a://bucket/z.mov\nclips/x.mp4\n");
        List<String> videos = listing.list(List.of(list.toString()));
        assertEquals(List.of("file:/data/y.webm", uri(dir.resolve("clips/x.mp4")), "s3a://bucket/z.mov"), videos);
    }

    @Test
    void aVideoFileIsItselfAndAMissingInputIsRefusedByName() throws Exception {
        Path v = Files.createFile(dir.resolve("one.avi"));
        assertEquals(List.of(uri(v)), listing.list(List.of(v.toUri().toString())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> listing.list(List.of(dir.resolve("gone").toString())));
        assertTrue(e.getMessage().contains("gone") && e.getMessage().contains("does not exist"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> listing.list(List.of(dir.resolve("empty").toString())));
    }
}
