package dev.qwenvl.spark;

import dev.qwenvl.video.VideoSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Brings a video named by a URI to the executor's local disk and hashes its content.
 *
 * <ul>
 *   <li>A local path ({@code /data/a.mp4}, {@code file:/data/a.mp4}) is read in place.</li>
 *   <li>Any other Hadoop-readable URI ({@code s3a://}, {@code hdfs://}, {@code gs://},
 *       {@code abfs://}...) is copied, through Hadoop's {@link FileSystem} with the job's Hadoop
 *       configuration, to a temporary file under {@code java.io.tmpdir} (Spark sets it to the
 *       executor's work dir on most cluster managers), captioned from there, and deleted when the
 *       {@link Fetched} closes. The decoder needs a seekable file, so the object is not streamed.</li>
 * </ul>
 *
 * The SHA-256 of the bytes is computed while they are read; with the window index and the config
 * fingerprint it keys every output row.
 */
final class VideoFetcher implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> hadoopConf;

    /** @param hadoopConf the job's Hadoop configuration as name/value pairs (credentials, endpoints) */
    VideoFetcher(Map<String, String> hadoopConf) {
        this.hadoopConf = Map.copyOf(hadoopConf);
    }

    /**
     * A video on local disk.
     *
     * @param uri    the input as given
     * @param source the local file to caption
     * @param sha256 hex SHA-256 of its bytes
     * @param temp   the temporary copy to delete, or {@code null} when the input was local
     */
    record Fetched(String uri, VideoSource.VideoFile source, String sha256, Path temp) implements AutoCloseable {
        @Override
        public void close() {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    temp.toFile().deleteOnExit();
                }
            }
        }
    }

    /**
     * Fetches {@code uri}.
     *
     * @throws IOException                             when it cannot be read (message names the URI)
     * @throws dev.qwenvl.video.VideoInputException  when a local path is missing or not a file
     */
    Fetched fetch(String uri) throws IOException {
        Path local = localPath(uri);
        if (local != null) {
            VideoSource.VideoFile file = new VideoSource.VideoFile(local);
            try (InputStream in = Files.newInputStream(local)) {
                return new Fetched(uri, file, sha256(in, OutputStream.nullOutputStream()), null);
            }
        }
        return copyThroughHadoop(uri);
    }

    /** Copies a remote {@code uri} to a temporary local file through Hadoop's FileSystem. */
    Fetched copyThroughHadoop(String uri) throws IOException {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = remote.getFileSystem(configuration());
        String name = remote.getName();
        int dot = name.lastIndexOf('.');
        String suffix = dot >= 0 ? name.substring(dot) : ".video";
        Path temp = Files.createTempFile("qwenvl-spark-", suffix);
        try {
            String hash;
            try (InputStream in = fs.open(remote); OutputStream out = Files.newOutputStream(temp)) {
                hash = sha256(in, out);
            }
            return new Fetched(uri, new VideoSource.VideoFile(temp), hash, temp);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** The local path {@code uri} names, or {@code null} when it needs Hadoop. */
    static Path localPath(String uri) {
        if (uri.startsWith("/")) {
            return Path.of(uri);
        }
        try {
            URI u = new URI(uri);
            String scheme = u.getScheme();
            if (scheme == null) {
                return Path.of(uri);
            }
            if (scheme.toLowerCase(Locale.ROOT).equals("file")) {
                return Path.of(u.getPath());
            }
            return null;
        } catch (URISyntaxException e) {
            return uri.contains("://") ? null : Path.of(uri);
        }
    }

    private Configuration configuration() {
        Configuration conf = new Configuration(false);
        hadoopConf.forEach(conf::set);
        return conf;
    }

    /** Copies {@code in} to {@code out} and returns the hex SHA-256 of what was copied. */
    static String sha256(InputStream in, OutputStream out) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        try (DigestInputStream d = new DigestInputStream(in, digest)) {
            d.transferTo(out);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
