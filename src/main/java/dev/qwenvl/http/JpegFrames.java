package dev.qwenvl.http;

import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.VideoPayload;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Encodes (T, H, W, 3) uint8 RGB frames as the data URL vLLM's server reads as a video:
 * {@code data:video/jpeg;base64,<frame 1>,<frame 2>,...}, each frame one base64 JPEG (vLLM's
 * {@code VideoMediaIO.load_base64} splits on the commas). Thread-safe: each call has its own writer.
 */
final class JpegFrames {

    /** The prefix vLLM recognises as a JPEG frame sequence. */
    static final String DATA_URL_PREFIX = "data:video/jpeg;base64,";

    private JpegFrames() {}

    /**
     * The data URL of {@code frames}.
     *
     * @throws EngineException when the frames are not uint8 RGB (the message says what they are)
     */
    static String dataUrl(VideoPayload.Frames frames, float quality) {
        int[] shape = frames.shape();
        if (frames.dtype() != VideoPayload.DType.UINT8 || shape[3] != 3) {
            throw new EngineException("the HTTP engine sends frames as JPEG and needs uint8 RGB frames (T, H, W, 3), got "
                    + frames.dtype() + " " + Arrays.toString(shape) + "; decode with the model doing no normalisation");
        }
        int t = shape[0];
        int h = shape[1];
        int w = shape[2];
        int frameBytes = h * w * 3;
        ByteBuffer data = frames.data().slice();
        StringBuilder url = new StringBuilder(DATA_URL_PREFIX.length() + t * (frameBytes / 8 + 16));
        url.append(DATA_URL_PREFIX);
        Base64.Encoder base64 = Base64.getEncoder();
        for (int i = 0; i < t; i++) {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            data.get(i * frameBytes, target, 0, frameBytes);
            for (int p = 0; p < frameBytes; p += 3) { // RGB in the tensor, BGR in the image
                byte r = target[p];
                target[p] = target[p + 2];
                target[p + 2] = r;
            }
            if (i > 0) {
                url.append(',');
            }
            url.append(base64.encodeToString(encode(image, quality)));
        }
        return url.toString();
    }

    private static byte[] encode(BufferedImage image, float quality) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new EngineException("this Java runtime has no JPEG writer (javax.imageio); the HTTP engine needs one");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new EngineException("encoding a frame as JPEG failed: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
