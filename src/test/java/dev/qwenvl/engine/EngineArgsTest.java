package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineArgsTest {
    private static EngineArgs args(Map<String, Object> extra) {
        return new EngineArgs("/m", Map.of("video", 1), null, 32768, 0.85, Map.of("do_resize", false), 4, 32768, extra);
    }

    @Test
    void theListOfNamedArgumentsIsExactlyWhatTheRecordSetsInOrder() {
        assertEquals(EngineArgs.NAMED, new ArrayList<>(args(Map.of()).toKwargs().keySet()));
    }

    @Test
    void everyNamedArgumentIsRefusedAsAnExtraOne() {
        for (String name : EngineArgs.NAMED) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> args(Map.of(name, 1)));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        }
        assertEquals(List.of("enforce_eager"), args(Map.of("enforce_eager", true)).toKwargs().keySet().stream()
                .filter(k -> !EngineArgs.NAMED.contains(k)).toList());
    }
}
