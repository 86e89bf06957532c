package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChunkTest {

    @Test
    void splitsInOrderWithAShorterLastChunk() {
        List<Integer> items = IntStream.range(0, 37).boxed().collect(Collectors.toList());
        List<Chunk<Integer>> chunks = Chunk.split(items, 8);
        assertEquals(5, chunks.size());
        assertEquals(List.of(8, 8, 8, 8, 5), chunks.stream().map(c -> c.items().size()).collect(Collectors.toList()));
        Chunk<Integer> last = chunks.get(4);
        assertEquals(4, last.index());
        assertEquals(32, last.from());
        assertEquals(37, last.to());
        assertEquals(items, chunks.stream().flatMap(c -> c.items().stream()).collect(Collectors.toList()));
    }

    @Test
    void emptyInputGivesNoChunks() {
        assertTrue(Chunk.split(List.of(), 3).isEmpty());
    }

    @Test
    void sizeBelowOneIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Chunk.split(List.of(1), 0));
    }
}
