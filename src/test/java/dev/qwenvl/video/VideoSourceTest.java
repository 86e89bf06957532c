package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.QwenVlException;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.video.VideoInputException.Reason;
import dev.qwenvl.video.VideoSource.ContainerSniffer.Container;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class VideoSourceTest {

    private static VideoInputException rejected(Reason reason, Executable action) {
        VideoInputException e = assertThrows(VideoInputException.class, action);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    @Test
    void javaFramesAcceptValidRgbAndBecomeAPayloadWithoutCopy() {
        ByteBuffer buf = ByteBuffer.allocateDirect(4 * 6 * 8 * 3);
        VideoSource.JavaFrames frames = new VideoSource.JavaFrames(buf, new int[] {4, 6, 8, 3}, 30.0, "clip-1");
        assertEquals("clip-1", frames.displayName());
        assertEquals(4, frames.frameCount());
        VideoPayload.Frames payload = frames.toPayload();
        assertSame(buf, payload.data());
        assertArrayEquals(new int[] {4, 6, 8, 3}, payload.shape());
        assertEquals(VideoPayload.DType.UINT8, payload.dtype());
        assertTrue(new VideoSource.JavaFrames(buf, new int[] {4, 6, 8, 3}, 30.0).displayName().contains("[4, 6, 8, 3]"));
    }

    @Test
    void javaFramesShapeIsDefensivelyCopied() {
        int[] shape = {4, 6, 8, 3};
        VideoSource.JavaFrames frames = new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), shape, 30.0);
        shape[0] = 99;
        frames.shape()[0] = 98;
        assertEquals(4, frames.frameCount());
    }

    @Test
    void heapBufferIsRejected() {
        VideoInputException e = rejected(Reason.BAD_SHAPE,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocate(576), new int[] {4, 6, 8, 3}, 30.0, "heap"));
        assertTrue(e.getMessage().contains("allocateDirect"));
        assertEquals("heap", e.source());
    }

    @Test
    void wrongByteCountOrShapeIsRejected() {
        VideoInputException e = rejected(Reason.BAD_SHAPE,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(575), new int[] {4, 6, 8, 3}, 30.0));
        assertTrue(e.getMessage().contains("575 bytes") && e.getMessage().contains("576"), e.getMessage());
        rejected(Reason.BAD_SHAPE, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 48, 3}, 30.0));
        rejected(Reason.BAD_SHAPE, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 0, 8, 3}, 30.0));
        rejected(Reason.BAD_SHAPE, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), null, 30.0));
    }

    @Test
    void grayAndRgbaAreUnsupportedChannelCounts() {
        VideoInputException gray = rejected(Reason.UNSUPPORTED_CHANNELS,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(4 * 6 * 8), new int[] {4, 6, 8, 1}, 30.0));
        assertTrue(gray.getMessage().contains("unsupported channel count 1"), gray.getMessage());
        VideoInputException rgba = rejected(Reason.UNSUPPORTED_CHANNELS,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(4 * 6 * 8 * 4), new int[] {4, 6, 8, 4}, 30.0));
        assertTrue(rgba.getMessage().contains("unsupported channel count 4"), rgba.getMessage());
        assertTrue(rgba.getMessage().contains("alpha"), rgba.getMessage());
    }

    @Test
    void aspectRatioOver200IsRejected() {
        assertEquals(200, new VideoSource.JavaFrames(ByteBuffer.allocateDirect(4 * 1 * 200 * 3), new int[] {4, 1, 200, 3}, 30.0).shape()[2]);
        VideoInputException e = rejected(Reason.EXTREME_ASPECT_RATIO,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(4 * 201 * 3), new int[] {4, 201, 1, 3}, 30.0));
        assertTrue(e.getMessage().contains("201.0"), e.getMessage());
    }

    @Test
    void badFpsIsRejected() {
        rejected(Reason.BAD_FPS, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, 0.0));
        rejected(Reason.BAD_FPS, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, Double.NaN));
        VideoInputException e = rejected(Reason.BAD_FPS,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, 1e-300));
        assertTrue(e.getMessage().contains("between 0.01 and 1000"), e.getMessage());
        rejected(Reason.BAD_FPS, () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, 1e300));
        new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, FrameRates.MIN_FPS);
        new VideoSource.JavaFrames(ByteBuffer.allocateDirect(576), new int[] {4, 6, 8, 3}, FrameRates.MAX_FPS);
    }

    @Test
    void aShapeWhoseByteCountOverflowsIsRejectedNotWrapped() {
        int big = 1 << 30;
        VideoInputException e = rejected(Reason.BAD_SHAPE,
                () -> new VideoSource.JavaFrames(ByteBuffer.allocateDirect(0), new int[] {16, big, big, 3}, 30));
        assertTrue(e.getMessage().contains("more bytes than any buffer can hold"), e.getMessage());
        IllegalArgumentException payload = assertThrows(IllegalArgumentException.class, () -> new VideoPayload.Frames(
                ByteBuffer.allocateDirect(0), new int[] {16, big, big, 3}, VideoPayload.DType.UINT8));
        assertTrue(payload.getMessage().contains("more bytes than any buffer can hold"), payload.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VideoPayload.Frames(
                ByteBuffer.allocateDirect(0), new int[] {big, big, 4, 1}, VideoPayload.DType.FLOAT32));
    }

    @Test
    void videoFileChecksExistenceAndReadability(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.mp4");
        VideoInputException e = rejected(Reason.MISSING_FILE, () -> new VideoSource.VideoFile(missing));
        assertEquals(missing.toString(), e.source());
        assertTrue(e.getMessage().contains(missing.toString()));
        rejected(Reason.UNREADABLE_FILE, () -> new VideoSource.VideoFile(dir));
        Path file = Files.write(dir.resolve("a.mp4"), new byte[] {1});
        assertEquals(file.toString(), new VideoSource.VideoFile(file).displayName());
    }

    @Test
    void videoBytesRecognisesTheSupportedContainers() {
        assertEquals(Container.MP4_MOV, new VideoSource.VideoBytes(iso("ftyp"), "a.mp4").container());
        assertEquals(Container.MP4_MOV, new VideoSource.VideoBytes(iso("wide"), "a.mov").container());
        assertEquals(Container.MATROSKA_WEBM,
                new VideoSource.VideoBytes(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 0}, "a.mkv").container());
        byte[] avi = "RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(Container.AVI, new VideoSource.VideoBytes(avi, "a.avi").container());
    }

    @Test
    void videoBytesRejectsEmptyAndNonVideoData() {
        rejected(Reason.EMPTY_DATA, () -> new VideoSource.VideoBytes(new byte[0], "empty.mp4"));
        VideoInputException e = rejected(Reason.NOT_A_VIDEO,
                () -> new VideoSource.VideoBytes("hello, I am text".getBytes(StandardCharsets.UTF_8), "notes.txt"));
        assertEquals("notes.txt", e.source());
        VideoInputException unnamed = rejected(Reason.NOT_A_VIDEO, () -> new VideoSource.VideoBytes(new byte[] {1, 2, 3}, null));
        assertTrue(unnamed.source().contains("3 bytes"), unnamed.source());
    }

    @Test
    void videoInputExceptionIsAQwenVlExceptionNamingSourceAndReason() {
        VideoInputException e = new VideoInputException("x.mp4", Reason.CORRUPT_STREAM, "truncated");
        assertTrue(e instanceof QwenVlException);
        assertEquals("video 'x.mp4': truncated [CORRUPT_STREAM]", e.getMessage());
    }

    private static byte[] iso(String box) {
        byte[] b = new byte[16];
        b[3] = 16;
        System.arraycopy(box.getBytes(StandardCharsets.ISO_8859_1), 0, b, 4, 4);
        return b;
    }
}
