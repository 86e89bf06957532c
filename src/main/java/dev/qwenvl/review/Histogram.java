package dev.qwenvl.review;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small bar chart of how values spread, as numbers an SVG template draws: bins over the range
 * (one per whole number when the values are whole and few, else {@value #BINS} equal bins), each
 * with its bar's place in a {@value #WIDTH} x {@value #HEIGHT} box and a label for its tooltip.
 */
final class Histogram {
    static final int WIDTH = 300;
    static final int HEIGHT = 110;
    static final int BINS = 12;
    private static final int TOP = 16;
    private static final int BOTTOM = 18;

    private Histogram() {}

    /** The template's view of a histogram of {@code values} ({@code unit} names what they measure). */
    static Map<String, Object> of(String title, String unit, List<Double> values) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("title", title);
        view.put("width", WIDTH);
        view.put("height", HEIGHT);
        view.put("empty", values.isEmpty());
        view.put("count", values.size());
        if (values.isEmpty()) {
            view.put("bars", List.of());
            return view;
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        boolean whole = values.stream().allMatch(v -> v == Math.rint(v)) && max - min < 30;
        int bins = whole ? (int) (max - min) + 1 : (max == min ? 1 : BINS);
        double width = whole ? 1 : (max - min) / bins;
        int[] counts = new int[bins];
        for (double v : values) {
            int b = width == 0 ? 0 : (int) Math.floor((v - min) / width);
            counts[Math.min(Math.max(b, 0), bins - 1)]++;
        }
        int tallest = 0;
        for (int c : counts) {
            tallest = Math.max(tallest, c);
        }
        double slot = (double) WIDTH / bins;
        double plot = HEIGHT - TOP - BOTTOM;
        List<Map<String, Object>> bars = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            double h = tallest == 0 ? 0 : plot * counts[b] / tallest;
            double lo = min + b * width;
            String range = whole ? fmt(lo) : fmt(lo) + " to " + fmt(b == bins - 1 ? max : lo + width);
            Map<String, Object> bar = new LinkedHashMap<>();
            bar.put("x", fmt(b * slot + 1));
            bar.put("y", fmt(TOP + plot - h));
            bar.put("w", fmt(Math.max(slot - 2, 1)));
            bar.put("h", fmt(h));
            bar.put("label", range + " " + unit + ": " + counts[b]);
            bars.add(bar);
        }
        view.put("bars", bars);
        view.put("axisY", HEIGHT - BOTTOM + 13);
        view.put("baseY", HEIGHT - BOTTOM);
        view.put("minLabel", fmt(min) + " " + unit);
        view.put("maxLabel", fmt(max) + " " + unit);
        view.put("tallest", tallest);
        view.put("summary", title + ": " + values.size() + " values from " + fmt(min) + " to " + fmt(max) + " " + unit);
        return view;
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.1f", v);
    }
}
