package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoFinderTest {

    private static Path touch(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "x");
    }

    @Test
    void foldersAreSearchedRecursivelyForVideoExtensionsInAnyCaseSorted(@TempDir Path dir) throws Exception {
        Path b = touch(dir.resolve("b.MP4"));
        Path a = touch(dir.resolve("a.mkv"));
        Path deep = touch(dir.resolve("sub/deeper/c.webm"));
        Path avi = touch(dir.resolve("sub/d.avi"));
        Path mov = touch(dir.resolve("sub/e.mov"));
        Path m4v = touch(dir.resolve("sub/f.m4v"));
        touch(dir.resolve("notes.txt"));
        touch(dir.resolve("sub/clip.mp4.part"));
        touch(dir.resolve("noext"));
        List<Path> found = VideoFinder.find(List.of(dir));
        assertEquals(List.of(a, b, deep, avi, mov, m4v).stream().sorted().toList(), found);
    }

    @Test
    void aFileGivenByNameIsTakenWhateverItsExtensionAndDuplicatesCollapse(@TempDir Path dir) throws Exception {
        Path odd = touch(dir.resolve("recording.ts"));
        Path v = touch(dir.resolve("v.mp4"));
        List<Path> found = VideoFinder.find(List.of(odd, dir, dir.resolve("./v.mp4")));
        assertEquals(List.of(odd, v), found);
        found.forEach(p -> assertTrue(p.isAbsolute()));
    }

    @Test
    void aMissingInputIsRefusedWithItsPath(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VideoFinder.find(List.of(dir.resolve("nope"))));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void filesPassedOverInsideFoldersAreReportedWithTheirReason(@TempDir Path dir) throws Exception {
        Path v = touch(dir.resolve("v.mp4"));
        Path notes = touch(dir.resolve("notes.txt"));
        Path dangling = Files.createSymbolicLink(dir.resolve("gone.mp4"), dir.resolve("deleted.mp4"));
        Path loop = Files.createSymbolicLink(Files.createDirectories(dir.resolve("sub")).resolve("loop"), dir);
        VideoFinder.Scan scan = VideoFinder.scan(List.of(dir));
        assertEquals(List.of(v), scan.videos());
        assertEquals(List.of(new VideoFinder.Skipped(dangling, VideoFinder.SkipReason.DANGLING_LINK),
                new VideoFinder.Skipped(notes, VideoFinder.SkipReason.NOT_A_VIDEO_EXTENSION),
                new VideoFinder.Skipped(loop, VideoFinder.SkipReason.LINK_LOOP)), scan.skipped());
        assertEquals("3 files in the input folders skipped: 1 without a video extension, 1 links to nothing, "
                + "1 folder links that loop", scan.skipSummary());
        assertEquals("", VideoFinder.scan(List.of(v)).skipSummary());
    }
}
