package dev.qwenvl.bench;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * P3: a video file to frames sampled at 2 fps, the project's way against the ffmpeg command line.
 *
 * <p>Ours is the whole prepare path a {@code VideoCaptioner} runs for a file: {@code probe} (a
 * demux pass that counts packets and measures fps), {@link Windowing#plan} with the default
 * windowing (2 fps), and {@code prepare}, which decodes the file once with PyAV and keeps each
 * window's sampled frames as uint8 RGB at the source size (the {@code modelDoesPreprocess} mode,
 * so the output is comparable with ffmpeg's); then the frames are released. ffmpeg is
 * {@code ffmpeg -threads N -i FILE -filter_threads 1 -vf fps=2 -f rawvideo -pix_fmt rgb24 -} with
 * its output read to the end. Both decode with N = available processors threads (PyAV's
 * {@code thread_type AUTO} with FFmpeg's automatic count, which is the number of processors) and
 * convert to RGB on one thread. Warm-up: ours for at least 3 s (a young JVM's compiler threads
 * otherwise compete with the decoder threads on a small machine; measured: the first runs take up
 * to twice as long), ffmpeg once; then {@code runs} alternating runs; medians.
 *
 * <p>Also measured (information, no target): ours with the default setting, where our pipeline
 * resizes to Qwen's sizes and normalises to float32.
 *
 * <p>Run in its own JVM by {@link BenchSuite}; prints {@code key=value} lines.
 */
public final class DecodeBench {
    private DecodeBench() {}

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        String ffmpeg = args[1]; // "-" when ffmpeg is missing
        int threads = Runtime.getRuntime().availableProcessors();
        try (PythonRuntime runtime = BenchEnv.startRuntime()) {
            JepVideoDecoder decoder = new JepVideoDecoder(runtime);
            for (int a = 2; a < args.length; a += 2) {
                String label = args[a];
                Path file = Path.of(args[a + 1]);
                VideoSource.VideoFile source = new VideoSource.VideoFile(file);
                List<Double> ours = new ArrayList<>();
                List<Double> probes = new ArrayList<>();
                List<Double> theirs = new ArrayList<>();
                long[] counts = new long[2];
                VideoInfo info = decoder.probe(source);
                long frameBytes = 3L * info.width() * info.height();
                // Warm-up: a young JVM keeps compiling for a few seconds, and on 2 cores its compiler
                // threads compete with the decoder threads; so ours warms up for at least 3 s.
                long warmEnd = System.nanoTime() + 3_000_000_000L;
                for (int w = 0; w < 2 || System.nanoTime() < warmEnd; w++) {
                    timeOurs(decoder, source, true, counts);
                }
                if (!"-".equals(ffmpeg)) {
                    timeFfmpeg(ffmpeg, file, threads, frameBytes, counts);
                }
                for (int r = 0; r < runs; r++) { // alternating runs
                    double[] t = timeOurs(decoder, source, true, counts);
                    ours.add(t[0]);
                    probes.add(t[1]);
                    if (!"-".equals(ffmpeg)) {
                        theirs.add(timeFfmpeg(ffmpeg, file, threads, frameBytes, counts));
                    }
                }
                List<Double> preprocessed = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    preprocessed.add(timeOurs(decoder, source, false, null)[0]);
                }
                print(label + ".ours_ms", BenchEnv.median(ours));
                print(label + ".ours_probe_ms", BenchEnv.median(probes));
                print(label + ".ours_preprocessed_ms", BenchEnv.median(preprocessed));
                System.out.println(label + ".ours_frames=" + counts[0]);
                if (!theirs.isEmpty()) {
                    print(label + ".ffmpeg_ms", BenchEnv.median(theirs));
                    System.out.println(label + ".ffmpeg_frames=" + counts[1]);
                }
                System.out.println(label + ".ours_runs_ms=" + ours);
                System.out.println(label + ".ffmpeg_runs_ms=" + theirs);
            }
            System.out.println("threads=" + threads);
        }
    }

    /** {total ms, probe ms} of one run. */
    private static double[] timeOurs(JepVideoDecoder decoder, VideoSource.VideoFile source, boolean uint8, long[] counts) {
        long start = System.nanoTime();
        VideoInfo info = decoder.probe(source);
        double probeMs = (System.nanoTime() - start) / 1e6;
        List<VideoWindow> windows = Windowing.plan(source.displayName(), info.frameCount(), info.fps(),
                WindowingConfig.defaults());
        try (PreparedVideo prepared = decoder.prepare(source, windows, uint8)) {
            if (counts != null) {
                counts[0] = windows.stream().mapToLong(w -> w.sampledFrameIndices().size()).sum();
            }
            return new double[] {(System.nanoTime() - start) / 1e6, probeMs};
        }
    }

    private static double timeFfmpeg(String ffmpeg, Path file, int threads, long frameBytes, long[] counts) throws IOException,
            InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(ffmpeg, "-nostdin", "-v", "error", "-threads", String.valueOf(threads),
                "-i", file.toString(), "-filter_threads", "1", "-vf", "fps=2", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long bytes = 0;
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = p.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                bytes += n;
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ffmpeg failed on " + file + " (exit " + p.exitValue() + ")");
        }
        double ms = (System.nanoTime() - start) / 1e6;
        counts[1] = bytes / frameBytes;
        return ms;
    }

    private static void print(String key, double value) {
        System.out.println(key + "=" + String.format(Locale.ROOT, "%.3f", value));
    }
}
