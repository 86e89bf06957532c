package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.VideoPayload;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.Function;
import jep.DirectNDArray;

/**
 * Turns any {@link VideoPayload} into {@link VideoPayload.Frames} that Java holds: frames held in
 * the embedded Python ({@link PythonFrames}) are copied once into a new direct buffer
 * ({@code qwenvl_bridge.frames_out}); frames Java holds already are returned as they are.
 *
 * <p>For engines that need the pixels in Java (the OpenAI-compatible HTTP engine): they take it as
 * a {@code Function<VideoPayload, Frames>}, so they never name Python. The copy is a new buffer per
 * call: the caller owns it, and the held frames stay held until their decoder releases them.
 * Thread-safe (each read is two interpreter calls).
 */
public final class PythonFramesReader implements Function<VideoPayload, VideoPayload.Frames> {

    private final PythonBridge bridge;

    public PythonFramesReader(PythonRuntime runtime) {
        this.bridge = new PythonBridge(Objects.requireNonNull(runtime, "runtime"));
    }

    /**
     * @throws EngineException when the payload is of a kind this reader does not know, or the
     *                         frames are no longer held (released, or never decoded)
     */
    @Override
    public VideoPayload.Frames apply(VideoPayload payload) {
        Objects.requireNonNull(payload, "payload");
        if (payload instanceof VideoPayload.Frames frames) {
            return frames;
        }
        if (!(payload instanceof PythonFrames held)) {
            throw new EngineException("cannot read the pixels of a " + payload.getClass().getName()
                    + " payload; pass VideoPayload.Frames or frames decoded by JepVideoDecoder");
        }
        try {
            PythonBridge.HeldFrames description = bridge.describeFrames(held.id());
            int[] shape = description.shape();
            VideoPayload.DType dtype = "float32".equals(description.dtype()) ? VideoPayload.DType.FLOAT32
                    : VideoPayload.DType.UINT8;
            long bytes = dtype.bytes();
            for (int d : shape) {
                bytes = Math.multiplyExact(bytes, d);
            }
            ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
            Object target = switch (dtype) {
                case UINT8 -> new DirectNDArray<>(data, true, shape);
                case FLOAT32 -> new DirectNDArray<>(data.asFloatBuffer(), shape);
            };
            bridge.copyFramesInto(held.id(), target);
            return new VideoPayload.Frames(data, shape, dtype);
        } catch (PythonException e) {
            throw new EngineException("reading the frames held under handle " + held.id() + " back into Java failed: "
                    + e.pythonType() + ": " + e.pythonMessage() + " (decode the video again if it was released)", e);
        } catch (ArithmeticException e) {
            throw new EngineException("the frames held under handle " + held.id()
                    + " are larger than one Java buffer (2 GiB); use shorter windows", e);
        }
    }
}
