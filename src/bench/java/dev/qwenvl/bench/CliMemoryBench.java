package dev.qwenvl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * P9 (issue 14): {@code qwenvl caption} over many short videos in a child JVM, its resident memory
 * sampled from {@code /proc/PID/status} (the JVM and its embedded Python are one process). The
 * engine is the stand-in vllm (the real one makes about one caption per second on 2 cores); the
 * decoding, windowing, preprocessing, request stream, poller and line writing are the real ones.
 * RSS is read when the first tenth of the videos is written (after warm-up) and at the last
 * sample before the run ends.
 */
final class CliMemoryBench {
    private static final String WRITE_VIDEOS = String.join("\n",
            "import os, sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "folder, count = sys.argv[2], int(sys.argv[3])",
            "for i in range(count):",
            "    path = os.path.join(folder, f'clip{i:05d}.mp4')",
            "    if not os.path.exists(path):",
            "        videos.write_video(path, ext='mp4', frames=20, fps=10)");

    private CliMemoryBench() {}

    static Map<String, String> run(Path out, int count) throws Exception {
        Path folder = Files.createDirectories(out.resolve("p9-videos"));
        Process writer = new ProcessBuilder(BenchEnv.python().toString(), "-c", WRITE_VIDEOS,
                BenchEnv.root().resolve("python/tests").toString(), folder.toString(), String.valueOf(count))
                .inheritIO().start();
        if (writer.waitFor() != 0) {
            throw new IllegalStateException("writing " + count + " videos failed");
        }
        Path captions = out.resolve("p9-captions.jsonl");
        Files.deleteIfExists(captions);
        Files.deleteIfExists(out.resolve("p9-captions.errors.jsonl"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.qwenvl.cli.QwenVlCli", "caption",
                folder.toString(), "-o", captions.toString(), "--window-frames", "32",
                "--model-dir", out.resolve("p9-models").toString(), "--python", BenchEnv.python().toString(),
                "--python-path", BenchEnv.standIn().toString()));
        Process cli = new ProcessBuilder(cmd).redirectOutput(out.resolve("p9-stdout.txt").toFile())
                .redirectError(out.resolve("p9-stderr.txt").toFile()).start();
        long warm = 0;
        long last = 0;
        long peak = 0;
        int warmAt = count / 10;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (cli.isAlive() && System.nanoTime() < deadline) {
            long rss = rssKb(cli.pid());
            if (rss > 0) {
                last = rss;
                peak = Math.max(peak, rss);
                if (warm == 0 && lines(captions) >= warmAt) {
                    warm = rss;
                }
            }
            Thread.sleep(200);
        }
        if (cli.isAlive()) {
            cli.destroyForcibly();
            throw new IllegalStateException("qwenvl caption did not finish within 15 minutes");
        }
        Map<String, String> r = new LinkedHashMap<>();
        r.put("videos", String.valueOf(count));
        r.put("warm_videos", String.valueOf(warmAt));
        r.put("rss_warm_kb", String.valueOf(warm));
        r.put("rss_end_kb", String.valueOf(last));
        r.put("rss_peak_kb", String.valueOf(peak));
        r.put("lines", String.valueOf(lines(captions)));
        r.put("exit", String.valueOf(cli.exitValue()));
        return r;
    }

    private static long lines(Path p) {
        try {
            return Files.exists(p) ? Files.lines(p).count() : 0;
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
