package dev.qwenvl.bench;

import dev.qwenvl.jep.PythonRuntime;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import jep.DirectNDArray;
import jep.NDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P2: a T x 448 x 448 x 3 uint8 window from Java to where the model gets it, four ways.
 *
 * <ul>
 *   <li>{@code direct}: the library's way, a {@link DirectNDArray} over a direct buffer through
 *       {@link PythonRuntime#call}: numpy gets a view of the same memory, nothing is copied.</li>
 *   <li>{@code copiedNdArray}: a heap {@code byte[]} as a JEP {@link NDArray}, which JEP copies
 *       into a new numpy array.</li>
 *   <li>{@code base64RawJson}: the body an OpenAI-compatible client would POST to {@code vllm serve},
 *       with the raw frames base64-encoded into a data URL. This is the cheapest possible HTTP
 *       body (no image encoding), a lower bound; vllm serve itself wants encoded frames.</li>
 *   <li>{@code base64JpegJson}: the body vllm serve accepts for frames: a
 *       {@code data:video/jpeg;base64,} URL of comma-separated base64 JPEG frames (JDK ImageIO,
 *       quality 0.9).</li>
 * </ul>
 *
 * The HTTP variants only build the request body: sending it, and decoding it again on the server,
 * would come on top. Each variant's score is the average time per hand-off.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class FrameHandoffBenchmark {
    static final int SIDE = 448;
    static final String MODULE = "qwenvl_bench_helpers";

    /** The window, in a direct buffer and on the heap, with the same pixels. */
    @State(Scope.Benchmark)
    public static class Frames {
        @Param({"8", "64", "256"})
        public int frames;

        ByteBuffer direct;
        byte[] heap;
        int[] shape;

        @Setup(Level.Trial)
        public void fill() {
            shape = new int[] {frames, SIDE, SIDE, 3};
            int size = frames * SIDE * SIDE * 3;
            heap = new byte[size];
            long seed = 7;
            for (int i = 0; i < size; i++) { // a smooth pattern with some noise, like video
                seed = seed * 6364136223846793005L + 1442695040888963407L;
                int x = (i / 3) % SIDE;
                int y = (i / 3 / SIDE) % SIDE;
                heap[i] = (byte) ((x + y + (i % 3) * 40 + (int) (seed >>> 61)) & 0xff);
            }
            direct = ByteBuffer.allocateDirect(size).put(heap).flip();
        }
    }

    /** The embedded interpreter, for the variants that reach numpy. */
    @State(Scope.Benchmark)
    public static class Python {
        PythonRuntime runtime;

        @Setup(Level.Trial)
        public void start() {
            runtime = BenchEnv.startRuntime();
            runtime.call(MODULE, "receive", new DirectNDArray<>(ByteBuffer.allocateDirect(3), true, 1, 1, 1, 3));
        }

        @TearDown(Level.Trial)
        public void stop() {
            runtime.close();
        }
    }

    @Benchmark
    public Object direct(Frames f, Python py) {
        return py.runtime.call(MODULE, "receive", new DirectNDArray<>(f.direct.slice(), true, f.shape));
    }

    @Benchmark
    public Object copiedNdArray(Frames f, Python py) {
        return py.runtime.call(MODULE, "receive", new NDArray<>(f.heap, true, f.shape));
    }

    @Benchmark
    public byte[] base64RawJson(Frames f) {
        return OpenAiBody.build("data:application/octet-stream;base64,", f.heap.length / 3 * 4 + 4096, out -> {
            try (OutputStream b64 = Base64.getEncoder().wrap(nonClosing(out))) {
                b64.write(f.heap);
            }
        });
    }

    @Benchmark
    public byte[] base64JpegJson(Frames f) {
        return OpenAiBody.build("data:video/jpeg;base64,", f.frames * 96 * 1024, out -> {
            for (int t = 0; t < f.frames; t++) {
                if (t > 0) {
                    out.write(',');
                }
                try (OutputStream b64 = Base64.getEncoder().wrap(nonClosing(out))) {
                    b64.write(jpeg(f.heap, t));
                }
            }
        });
    }

    /** Frame {@code t} of the RGB window as a JPEG. */
    static byte[] jpeg(byte[] rgb, int t) throws IOException {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int base = t * SIDE * SIDE * 3;
        for (int p = 0; p < SIDE * SIDE * 3; p += 3) {
            bgr[p] = rgb[base + p + 2];
            bgr[p + 1] = rgb[base + p + 1];
            bgr[p + 2] = rgb[base + p];
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(SIDE * SIDE / 4);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.9f);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }
        };
    }

    /** An OpenAI-compatible chat request with one video and one text part. */
    static final class OpenAiBody {
        interface Payload {
            void write(ByteArrayOutputStream out) throws IOException;
        }

        private OpenAiBody() {}

        /** @param sizeHint expected body size, so the buffer is not regrown while it fills */
        static byte[] build(String dataUrlPrefix, int sizeHint, Payload payload) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
            try {
                out.write(("{\"model\": \"Qwen/Qwen2.5-VL-7B-Instruct\", \"messages\": [{\"role\": \"user\", "
                        + "\"content\": [{\"type\": \"video_url\", \"video_url\": {\"url\": \"" + dataUrlPrefix)
                        .getBytes(StandardCharsets.US_ASCII));
                payload.write(out);
                out.write(("\"}}, {\"type\": \"text\", \"text\": \"Describe the video in detail.\"}]}], "
                        + "\"temperature\": 0.1, \"top_p\": 0.001, \"max_tokens\": 512}")
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
