package dev.qwenvl.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One consecutive slice of a generate call's inputs.
 *
 * @param index position of the chunk (0-based)
 * @param from  index of the chunk's first input in the whole list (inclusive)
 * @param to    index after the chunk's last input (exclusive)
 * @param items the inputs {@code [from, to)}
 */
record Chunk<T>(int index, int from, int to, List<T> items) {

    /**
     * Splits {@code items} into chunks of {@code size}, in order; the last one may be shorter.
     * An empty list gives no chunks.
     */
    static <T> List<Chunk<T>> split(List<T> items, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, got " + size);
        }
        List<Chunk<T>> chunks = new ArrayList<>((items.size() + size - 1) / size);
        for (int from = 0, index = 0; from < items.size(); from += size, index++) {
            int to = Math.min(from + size, items.size());
            chunks.add(new Chunk<>(index, from, to, List.copyOf(items.subList(from, to))));
        }
        return chunks;
    }
}
