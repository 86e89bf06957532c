package dev.qwenvl.video;

import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.video.VideoInputException.Reason;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a video comes from. Each kind validates what it can without decoding, at construction,
 * and throws {@link VideoInputException} naming the input; decoding problems (corrupt stream, too
 * few frames) surface later, from the Python half, with the same {@link #displayName()}.
 */
public sealed interface VideoSource {

    /** Largest accepted ratio of the longer to the shorter frame side (the model's limit). */
    double MAX_ASPECT_RATIO = 200.0;

    /** Name of this input in errors and logs. */
    String displayName();

    /**
     * Frames already decoded by the caller: uint8 RGB, shape (T, H, W, 3), in a direct buffer that
     * is handed to numpy without a copy (so it must stay unchanged until captioning returns).
     *
     * @param frames direct buffer holding exactly {@code T*H*W*C} bytes from its position
     * @param shape (T, H, W, C); C must be 3
     * @param fps frames per second of the source (positive, finite)
     * @param name display name (for example a clip id); {@code null} gives "java frames (TxHxWxC)"
     */
    record JavaFrames(ByteBuffer frames, int[] shape, double fps, String name) implements VideoSource {
        public JavaFrames {
            Objects.requireNonNull(frames, "frames");
            String display = name != null ? name : "java frames " + (shape == null ? "(no shape)" : Arrays.toString(shape));
            validate(display, frames, shape, fps);
            shape = shape.clone();
            name = display;
        }

        /** Frames with a generated display name. */
        public JavaFrames(ByteBuffer frames, int[] shape, double fps) {
            this(frames, shape, fps, null);
        }

        private static void validate(String display, ByteBuffer frames, int[] shape, double fps) {
            if (!frames.isDirect()) {
                throw new VideoInputException(display, Reason.BAD_SHAPE,
                        "frames must be in a direct ByteBuffer; allocate it with ByteBuffer.allocateDirect");
            }
            if (shape == null || shape.length != 4) {
                throw new VideoInputException(display, Reason.BAD_SHAPE,
                        "shape must have four dimensions (T, H, W, C), got " + Arrays.toString(shape));
            }
            for (int d : shape) {
                if (d <= 0) {
                    throw new VideoInputException(display, Reason.BAD_SHAPE,
                            "every dimension of the shape (T, H, W, C) must be positive, got " + Arrays.toString(shape));
                }
            }
            int channels = shape[3];
            if (channels != 3) {
                String hint = switch (channels) {
                    case 1 -> "grayscale (1 channel): repeat the channel three times";
                    case 4 -> "RGBA (4 channels): drop the alpha channel";
                    default -> channels + " channels";
                };
                throw new VideoInputException(display, Reason.UNSUPPORTED_CHANNELS,
                        "unsupported channel count " + channels + " (" + hint + "); frames must be RGB, C = 3");
            }
            long expected;
            try {
                expected = Math.multiplyExact(Math.multiplyExact((long) shape[0], shape[1]),
                        Math.multiplyExact((long) shape[2], shape[3]));
            } catch (ArithmeticException overflow) {
                throw new VideoInputException(display, Reason.BAD_SHAPE, "shape " + Arrays.toString(shape)
                        + " needs more bytes than any buffer can hold; check the shape");
            }
            if (frames.remaining() != expected) {
                throw new VideoInputException(display, Reason.BAD_SHAPE,
                        "buffer holds " + frames.remaining() + " bytes but shape " + Arrays.toString(shape)
                                + " of uint8 needs " + expected + "; check the shape or the buffer's position/limit");
            }
            double ratio = (double) Math.max(shape[1], shape[2]) / Math.min(shape[1], shape[2]);
            if (ratio > MAX_ASPECT_RATIO) {
                throw new VideoInputException(display, Reason.EXTREME_ASPECT_RATIO,
                        "frame size " + shape[2] + "x" + shape[1] + " has aspect ratio " + String.format("%.1f", ratio)
                                + ", over the limit of " + (int) MAX_ASPECT_RATIO + "; crop or pad the frames");
            }
            if (!FrameRates.isSane(fps)) {
                throw new VideoInputException(display, Reason.BAD_FPS,
                        "fps must be a positive number " + FrameRates.range() + ", got " + fps);
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public String displayName() {
            return name;
        }

        /** Number of frames (T). */
        public int frameCount() {
            return shape[0];
        }

        /** The frames as an engine payload (same buffer, no copy). */
        public VideoPayload.Frames toPayload() {
            return new VideoPayload.Frames(frames, shape, VideoPayload.DType.UINT8);
        }
    }

    /**
     * A video file on a local disk, decoded by the Python half. The constructor checks that it
     * exists, is a regular file and is readable.
     */
    record VideoFile(Path path) implements VideoSource {
        public VideoFile {
            Objects.requireNonNull(path, "path");
            String display = path.toString();
            if (!Files.exists(path)) {
                throw new VideoInputException(display, Reason.MISSING_FILE,
                        "file does not exist (absolute path: " + path.toAbsolutePath() + "); check the path");
            }
            if (!Files.isRegularFile(path)) {
                throw new VideoInputException(display, Reason.UNREADABLE_FILE,
                        "is " + FileKind.of(path).description() + ", not a regular file; pass the path of a video file");
            }
            if (!Files.isReadable(path)) {
                throw new VideoInputException(display, Reason.UNREADABLE_FILE,
                        "file is not readable by this process; check its permissions");
            }
        }

        @Override
        public String displayName() {
            return path.toString();
        }
    }

    /**
     * A whole video container held in memory (MP4, MOV, Matroska, WebM or AVI), decoded by the
     * Python half from the bytes. The constructor rejects empty data and bytes that do not start
     * like one of these containers ({@link ContainerSniffer}). The array is not copied: do not
     * change it until captioning returns.
     *
     * @param data the complete container
     * @param name display name, for example the original file name or an object-store key
     */
    record VideoBytes(byte[] data, String name) implements VideoSource {
        public VideoBytes {
            Objects.requireNonNull(data, "data");
            name = name == null || name.isBlank() ? "in-memory video (" + data.length + " bytes)" : name;
            if (data.length == 0) {
                throw new VideoInputException(name, Reason.EMPTY_DATA, "video data is empty");
            }
            if (ContainerSniffer.sniff(data).isEmpty()) {
                throw new VideoInputException(name, Reason.NOT_A_VIDEO,
                        "bytes do not start like an MP4/MOV, Matroska/WebM or AVI container; "
                                + "pass a whole video file's bytes");
            }
        }

        /** The container the bytes look like. */
        public ContainerSniffer.Container container() {
            return ContainerSniffer.sniff(data).orElseThrow();
        }

        @Override
        public String displayName() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VideoBytes b && Arrays.equals(b.data, data) && b.name.equals(name);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(data) + name.hashCode();
        }

        @Override
        public String toString() {
            return "VideoBytes[name=" + name + ", " + data.length + " bytes]";
        }
    }

    /** Recognises the supported containers from their first bytes. */
    final class ContainerSniffer {
        /** Containers accepted in memory. */
        public enum Container {
            /** ISO base media: MP4 and QuickTime MOV (same box structure). */
            MP4_MOV,
            /** EBML: Matroska (mkv) and WebM. */
            MATROSKA_WEBM,
            /** RIFF AVI. */
            AVI
        }

        private static final String[] ISO_BOX_TYPES = {"ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"};

        private ContainerSniffer() {}

        /** The container {@code data} starts like, or empty when none matches. */
        public static Optional<Container> sniff(byte[] data) {
            if (data.length >= 4 && (data[0] & 0xff) == 0x1A && (data[1] & 0xff) == 0x45
                    && (data[2] & 0xff) == 0xDF && (data[3] & 0xff) == 0xA3) {
                return Optional.of(Container.MATROSKA_WEBM);
            }
            if (data.length >= 12 && ascii(data, 0, 4).equals("RIFF") && ascii(data, 8, 4).equals("AVI ")) {
                return Optional.of(Container.AVI);
            }
            if (data.length >= 8) {
                String box = ascii(data, 4, 4);
                for (String type : ISO_BOX_TYPES) {
                    if (type.equals(box)) {
                        return Optional.of(Container.MP4_MOV);
                    }
                }
            }
            return Optional.empty();
        }

        private static String ascii(byte[] data, int offset, int length) {
            return new String(data, offset, length, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
