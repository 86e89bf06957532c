package dev.qwenvl.review;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.WindowThumbnails;
import dev.qwenvl.video.WindowingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * A review page of a captioning run: one self-contained HTML file (no server, no network; pictures
 * embedded as {@code data:} URIs; styles and script inline) showing, per window, thumbnails of the
 * frames the model saw beside the caption and the facts the captions file recorded, with a summary
 * of videos, windows and failures by reason and small SVG plots; a search box filters windows by
 * caption text and a menu sorts them.
 *
 * <p>The HTML comes from a Mustache template (JMustache), which HTML-escapes every value: captions,
 * paths and error messages are shown as text, never read as markup. A Content-Security-Policy lets
 * only the page's own script run (by its hash) and only embedded images load.
 *
 * <pre>{@code
 * ReviewReport r = ReviewPage.builder(Path.of("captions.jsonl"))
 *         .errors(Path.of("captions.errors.jsonl"))
 *         .thumbnails(new JepVideoDecoder(runtime), new JepWindowThumbnails(runtime))
 *         .sample(1000, 7)
 *         .build()
 *         .write(Path.of("review.html"));
 * }</pre>
 *
 * Immutable and reusable; {@link #write(Path)} reads the files again each time.
 */
public final class ReviewPage {
    /** Thumbnails per window unless set. */
    public static final int DEFAULT_THUMBS = 4;
    /** Longest side of a thumbnail in pixels unless set. */
    public static final int DEFAULT_THUMB_SIDE = 128;

    private static final String TEMPLATE = "review.mustache";
    private static final String SCRIPT = "review.js";
    private static final String STYLE = "review.css";

    private final Path captions;
    private final Path errors;
    private final int sample;
    private final long seed;
    private final int thumbsPerWindow;
    private final int thumbSide;
    private final WindowingConfig windowing;
    private final VideoDecoder decoder;
    private final WindowThumbnails thumbnails;
    private final String title;

    private ReviewPage(Builder b) {
        this.captions = b.captions;
        this.errors = b.errors;
        this.sample = b.sample;
        this.seed = b.seed;
        this.thumbsPerWindow = b.thumbsPerWindow;
        this.thumbSide = b.thumbSide;
        this.windowing = b.windowing;
        this.decoder = b.decoder;
        this.thumbnails = b.thumbnails;
        this.title = b.title != null ? b.title : "Captions review: " + b.captions.getFileName();
    }

    public static Builder builder(Path captions) {
        return new Builder(captions);
    }

    /**
     * Reads the files, makes the thumbnails and writes the page to {@code output} (replacing it).
     *
     * @throws IOException when a file cannot be read or the page cannot be written
     */
    public ReviewReport write(Path output) throws IOException {
        long start = System.nanoTime();
        Rendered r = render();
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(parent, ".review-", ".html.tmp");
        try {
            Files.writeString(tmp, r.html(), StandardCharsets.UTF_8);
            Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new ReviewReport(output, Files.size(output), r.videos(), r.windows(), r.windowsInFile(), r.failures(),
                r.thumbnails(), r.placeholders(), seconds);
    }

    /** The page's HTML and what it holds. */
    record Rendered(String html, int videos, int windows, int windowsInFile, int failures, int thumbnails,
                    int placeholders) {
    }

    /** Builds the page in memory. */
    Rendered render() throws IOException {
        RunFiles.Captions read = RunFiles.readCaptions(captions);
        List<ReviewFailure> failures = errors != null && Files.exists(errors) ? RunFiles.readErrors(errors) : List.of();
        List<ReviewWindow> all = read.windows();
        List<ReviewWindow> shown = pick(all);

        Map<String, List<ReviewWindow>> byVideo = new TreeMap<>();
        for (ReviewWindow w : shown) {
            byVideo.computeIfAbsent(w.video(), k -> new ArrayList<>()).add(w);
        }
        Map<Integer, Pictures.Strip> strips = new java.util.HashMap<>();
        if (thumbnails != null && thumbsPerWindow > 0) {
            Pictures pictures = new Pictures(decoder, thumbnails, windowing, thumbsPerWindow, thumbSide);
            byVideo.forEach((video, windows) -> strips.putAll(pictures.forVideo(video, windows)));
        }

        Map<String, Object> page = new LinkedHashMap<>();
        page.put("title", title);
        page.put("captionsFile", captions.toAbsolutePath().toString());
        page.put("errorsFile", errors == null ? null : errors.toAbsolutePath().toString());
        String style = resource(STYLE);
        page.put("style", style);
        page.put("styleHash", sha256(style));
        page.put("hasErrorsFile", errors != null);
        String script = resource(SCRIPT);
        page.put("script", script);
        page.put("scriptHash", sha256(script));

        List<Map<String, Object>> cards = new ArrayList<>();
        int thumbCount = 0;
        int placeholders = 0;
        int order = 0;
        for (List<ReviewWindow> windows : byVideo.values()) {
            windows.sort(Comparator.comparingInt(ReviewWindow::window).thenComparingInt(ReviewWindow::line));
            for (ReviewWindow w : windows) {
                Pictures.Strip strip = strips.get(w.line());
                Map<String, Object> card = card(w, order++, strip);
                if (strip != null) {
                    thumbCount += strip.dataUris().size();
                    placeholders += strip.placeholder() != null ? 1 : 0;
                }
                cards.add(card);
            }
        }
        page.put("windows", cards);
        page.put("shownCount", shown.size());
        page.put("windowCount", all.size());
        page.put("sampled", shown.size() < all.size());
        page.put("sampleSeed", seed);
        page.put("thumbsOff", thumbnails == null || thumbsPerWindow == 0);

        Map<String, Integer> windowsPerVideo = new TreeMap<>();
        all.forEach(w -> windowsPerVideo.merge(w.video(), 1, Integer::sum));
        long truncated = all.stream().filter(w -> Boolean.TRUE.equals(w.truncated())).count();
        boolean truncationKnown = all.stream().anyMatch(w -> w.truncated() != null);
        java.util.Set<String> videos = new java.util.TreeSet<>(windowsPerVideo.keySet());
        failures.forEach(f -> videos.add(f.video()));
        page.put("videoCount", videos.size());
        page.put("captionedVideoCount", windowsPerVideo.size());
        page.put("failureCount", failures.size());
        page.put("truncatedCount", truncationKnown ? truncated : "not recorded");
        page.put("placeholderCount", placeholders);
        page.put("badLines", read.badLines().stream().limit(20).toList());
        page.put("badLineCount", read.badLines().size());
        page.put("hasBadLines", !read.badLines().isEmpty());
        page.put("reasons", reasons(failures));
        page.put("hasFailures", !failures.isEmpty());
        page.put("plots", List.of(
                Histogram.of("Caption length", "chars", all.stream().map(w -> (double) w.captionLength()).toList()),
                Histogram.of("Windows per video", "windows", windowsPerVideo.values().stream().map(Integer::doubleValue).toList()),
                Histogram.of("Seconds per window", "s", all.stream().map(ReviewWindow::seconds)
                        .filter(Objects::nonNull).toList())));

        String html = template().execute(page);
        return new Rendered(html, byVideo.size(), shown.size(), all.size(), failures.size(), thumbCount, placeholders);
    }

    /** The windows to show: all, or {@code sample} of them picked at random with {@code seed}, in file order. */
    List<ReviewWindow> pick(List<ReviewWindow> all) {
        if (sample <= 0 || sample >= all.size()) {
            return new ArrayList<>(all);
        }
        List<ReviewWindow> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        List<ReviewWindow> picked = new ArrayList<>(shuffled.subList(0, sample));
        picked.sort(Comparator.comparingInt(ReviewWindow::line));
        return picked;
    }

    private static Map<String, Object> card(ReviewWindow w, int order, Pictures.Strip strip) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("order", order);
        c.put("id", "w" + w.line());
        c.put("video", w.video());
        c.put("videoName", Path.of(w.video()).getFileName() == null ? w.video() : Path.of(w.video()).getFileName().toString());
        c.put("window", w.window());
        c.put("range", Histogram.fmt(w.startSeconds()) + "–" + Histogram.fmt(w.endSeconds()) + " s");
        c.put("frames", w.firstFrame() + "–" + w.lastFrame());
        c.put("caption", w.caption());
        c.put("length", w.captionLength());
        c.put("stage", w.stage());
        c.put("model", w.model());
        c.put("truncated", Boolean.TRUE.equals(w.truncated()));
        List<Map<String, Object>> fields = new ArrayList<>();
        w.structured().forEach((k, v) -> fields.add(Map.of("name", k, "value", v)));
        c.put("structured", fields);
        c.put("hasStructured", !fields.isEmpty());
        List<Map<String, Object>> facts = new ArrayList<>();
        for (Map.Entry<String, String> f : w.facts()) {
            facts.add(Map.of("name", f.getKey(), "value", f.getValue()));
        }
        c.put("facts", facts);
        List<Map<String, Object>> thumbs = new ArrayList<>();
        if (strip != null) {
            int i = 0;
            for (String uri : strip.dataUris()) {
                thumbs.add(Map.of("src", uri, "n", ++i));
            }
        }
        c.put("thumbs", thumbs);
        c.put("placeholder", strip == null ? null : strip.placeholder());
        c.put("hasPlaceholder", strip != null && strip.placeholder() != null);
        c.put("hasModel", w.model() != null);
        return c;
    }

    private static List<Map<String, Object>> reasons(List<ReviewFailure> failures) {
        Map<String, List<ReviewFailure>> byReason = new TreeMap<>();
        failures.forEach(f -> byReason.computeIfAbsent(f.reason(), k -> new ArrayList<>()).add(f));
        List<Map<String, Object>> out = new ArrayList<>();
        byReason.forEach((reason, list) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("reason", reason);
            r.put("count", list.size());
            r.put("failures", list.stream().map(f -> Map.of("video", f.video(), "message", f.message())).toList());
            out.add(r);
        });
        return out;
    }

    private static Template template() {
        try (Reader in = new InputStreamReader(open(TEMPLATE), StandardCharsets.UTF_8)) {
            // escapeHTML is the default: every {{value}} is HTML-escaped; only {{{style}}} and
            // {{{script}}}, the page's own resources, are inserted as they are.
            return Mustache.compiler().escapeHTML(true).nullValue("").compile(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the review page template", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = open(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " of the review page", e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = ReviewPage.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("the review page resource " + name + " is missing from the jar");
        }
        return in;
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Settings of a {@link ReviewPage}; all optional except the captions file. */
    public static final class Builder {
        private final Path captions;
        private Path errors;
        private int sample;
        private long seed = 1;
        private int thumbsPerWindow = DEFAULT_THUMBS;
        private int thumbSide = DEFAULT_THUMB_SIDE;
        private WindowingConfig windowing = WindowingConfig.defaults();
        private VideoDecoder decoder;
        private WindowThumbnails thumbnails;
        private String title;

        private Builder(Path captions) {
            this.captions = Objects.requireNonNull(captions, "captions");
        }

        /** The run's errors file (failed videos); a missing file lists none. */
        public Builder errors(Path errors) {
            this.errors = errors;
            return this;
        }

        /** Show {@code count} windows picked at random with {@code seed} (0: all windows). */
        public Builder sample(int count, long seed) {
            if (count < 0) {
                throw new IllegalArgumentException("sample must be 0 (all windows) or more, got " + count);
            }
            this.sample = count;
            this.seed = seed;
            return this;
        }

        /** Thumbnails per window (default 4; 0 shows none). */
        public Builder thumbsPerWindow(int count) {
            if (count < 0 || count > 64) {
                throw new IllegalArgumentException("thumbnails per window must be between 0 and 64, got " + count);
            }
            this.thumbsPerWindow = count;
            return this;
        }

        /** Longest side of a thumbnail in pixels (default 128; 16 to 1024). */
        public Builder thumbSide(int pixels) {
            if (pixels < 16 || pixels > 1024) {
                throw new IllegalArgumentException("thumbnail side must be between 16 and 1024 pixels, got " + pixels);
            }
            this.thumbSide = pixels;
            return this;
        }

        /** The windowing the captions were made with (default: the seed's), to find each window's frames. */
        public Builder windowing(WindowingConfig windowing) {
            this.windowing = Objects.requireNonNull(windowing, "windowing");
            return this;
        }

        /**
         * Where pictures come from: {@code decoder} probes the videos, {@code thumbnails} makes the
         * pictures (in production {@code JepVideoDecoder} and {@code JepWindowThumbnails}). Without
         * them the page has no pictures.
         */
        public Builder thumbnails(VideoDecoder decoder, WindowThumbnails thumbnails) {
            this.decoder = Objects.requireNonNull(decoder, "decoder");
            this.thumbnails = Objects.requireNonNull(thumbnails, "thumbnails");
            return this;
        }

        /** The page's title (default: "Captions review: " and the file name). */
        public Builder title(String title) {
            this.title = title;
            return this;
        }

        public ReviewPage build() {
            return new ReviewPage(this);
        }
    }
}
