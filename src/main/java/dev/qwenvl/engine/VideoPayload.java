package dev.qwenvl.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The video of one engine request: either {@link Frames} that Java holds in a direct buffer, or
 * frames that a decoder keeps on its own side (the JEP decoder keeps them in Python, referenced by
 * a handle that only its engine reads).
 */
public interface VideoPayload {

    /** Element type of a frame tensor. */
    enum DType {
        UINT8(1),
        FLOAT32(4);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    /**
     * Frames as a (T, H, W, C) tensor in a direct buffer. The buffer is not copied: it must stay
     * unchanged until the engine call that uses it has returned.
     */
    record Frames(ByteBuffer data, int[] shape, DType dtype) implements VideoPayload {
        public Frames {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(dtype, "dtype");
            if (!data.isDirect()) {
                throw new IllegalArgumentException("frames must be in a direct ByteBuffer (ByteBuffer.allocateDirect)");
            }
            if (shape == null || shape.length != 4) {
                throw new IllegalArgumentException("frames shape must be (T, H, W, C), got " + Arrays.toString(shape));
            }
            shape = shape.clone();
            long expected = dtype.bytes();
            for (int d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("frames shape must be positive, got " + Arrays.toString(shape));
                }
                try {
                    expected = Math.multiplyExact(expected, d);
                } catch (ArithmeticException overflow) {
                    throw new IllegalArgumentException("frames shape " + Arrays.toString(shape) + " of " + dtype
                            + " needs more bytes than any buffer can hold; check the shape");
                }
            }
            if (data.remaining() != expected) {
                throw new IllegalArgumentException("frames buffer holds " + data.remaining() + " bytes but shape "
                        + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Identity: frames are compared by buffer identity, never by hashing megabytes of pixels. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Frames f && f.data == data && f.dtype == dtype && Arrays.equals(f.shape, shape);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(data) * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Frames" + Arrays.toString(shape) + " " + dtype;
        }
    }
}
