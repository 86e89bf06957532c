package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Frames held in the embedded Python come back into Java byte for byte. */
class PythonFramesReaderIT {
    private static final int T = 40;
    private static final int H = 28;
    private static final int W = 56;
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().build());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    private static byte pixel(int frame, int offset) {
        return (byte) (frame * 13 + offset * 7);
    }

    @Test
    void heldFramesAreCopiedIntoJavaExactlyAsThePythonSideHoldsThem() {
        ByteBuffer source = ByteBuffer.allocateDirect(T * H * W * 3);
        for (int f = 0; f < T; f++) {
            for (int o = 0; o < H * W * 3; o++) {
                source.put(f * H * W * 3 + o, pixel(f, o));
            }
        }
        VideoSource video = new VideoSource.JavaFrames(source, new int[] {T, H, W, 3}, 10.0, "pattern");
        List<VideoWindow> windows = Windowing.plan("pattern", T, 10.0, WindowingConfig.defaults());
        JepVideoDecoder decoder = new JepVideoDecoder(runtime);
        PythonFramesReader reader = new PythonFramesReader(runtime);
        try (PreparedVideo prepared = decoder.prepare(video, windows, true)) { // raw frames: the model resizes
            VideoPayload payload = prepared.payloads().get(0);
            assertInstanceOf(PythonFrames.class, payload);
            VideoPayload.Frames frames = reader.apply(payload);
            List<Integer> indices = windows.get(0).sampledFrameIndices();
            assertArrayEquals(new int[] {indices.size(), H, W, 3}, frames.shape());
            assertEquals(VideoPayload.DType.UINT8, frames.dtype());
            byte[] expected = new byte[H * W * 3];
            byte[] actual = new byte[H * W * 3];
            for (int i = 0; i < indices.size(); i++) {
                for (int o = 0; o < expected.length; o++) {
                    expected[o] = pixel(indices.get(i), o);
                }
                frames.data().get(i * actual.length, actual);
                assertArrayEquals(expected, actual, "frame " + i + " (source frame " + indices.get(i) + ")");
            }
            prepared.close(); // released: reading again names the handle
            EngineException e = assertThrows(EngineException.class, () -> reader.apply(payload));
            assertTrue(e.getMessage().contains("handle " + ((PythonFrames) payload).id()), e.getMessage());
        }
    }

    @Test
    void javaFramesPassThroughAndUnknownPayloadsAreRefused() {
        PythonFramesReader reader = new PythonFramesReader(runtime);
        VideoPayload frames = LlmEngineContract.video(1);
        assertSame(frames, reader.apply(frames));
        EngineException e = assertThrows(EngineException.class, () -> reader.apply(new OpaqueVideo(3)));
        assertTrue(e.getMessage().contains("OpaqueVideo"), e.getMessage());
    }
}
