package dev.qwenvl.model;

import dev.qwenvl.engine.Generation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.DeviceGroup;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The devices setting reaches the engine factory: one engine by default, a pool otherwise. */
class QwenVLDevicesTest {

    /** Engines that answer "PROMPT@DEVICES" at once; a started engine can be declared dead. */
    static final class Factory implements LlmEngineFactory {
        final List<String> plainStarts = new CopyOnWriteArrayList<>();
        final List<DeviceGroup> pinnedStarts = new CopyOnWriteArrayList<>();
        final List<boolean[]> deaths = new CopyOnWriteArrayList<>();

        @Override
        public LlmEngine start(EngineArgs args) {
            plainStarts.add(args.model());
            return engine("unpinned");
        }

        @Override
        public LlmEngine start(EngineArgs args, DeviceGroup devices) {
            pinnedStarts.add(devices);
            return engine(devices.toString());
        }

        @Override
        public List<String> visibleDevices() {
            return List.of("0", "1", "2");
        }

        private LlmEngine engine(String name) {
            boolean[] dead = {false};
            deaths.add(dead);
            return new LlmEngine() {

                @Override
                public CompletableFuture<Generation> submit(EngineRequest r, SamplingParams s) {
                    if (dead[0]) {
                        return CompletableFuture.failedFuture(new EngineDiedException("dead", "EngineCore", 1, null,
                                "SIGKILL", null));
                    }
                    return CompletableFuture.completedFuture(Generation.ofText(((ChatPrompt.Templated) r.prompt()).text() + "@" + name));
                }

                @Override
                public boolean isDead() {
                    return dead[0];
                }

                @Override
                public void close() {}
            };
        }
    }

    private static EngineRequest request(String prompt) {
        return new EngineRequest(prompt, new OpaqueVideo(1));
    }

    private static QwenVlConfig.Builder config() {
        return QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").captionBatchSize(2);
    }

    @Test
    void withoutTheSettingOneUnpinnedEngineStartsAsBefore() {
        Factory f = new Factory();
        try (QwenVL model = new QwenVL(config().build(), f)) {
            model.setup();
            assertEquals(1, f.plainStarts.size());
            assertEquals(List.of(), f.pinnedStarts);
            assertEquals(List.of("a@unpinned"), model.generate(List.of(request("a"))));
        }
    }

    @Test
    void allStartsOneEnginePerVisibleDeviceAndGenerateAnswersThroughThePool() throws Exception {
        Factory f = new Factory();
        try (QwenVL model = new QwenVL(config().devices(Devices.ALL).build(), f)) {
            model.setup();
            assertEquals(List.of(DeviceGroup.of("0"), DeviceGroup.of("1"), DeviceGroup.of("2")), f.pinnedStarts);
            assertEquals(List.of(), f.plainStarts);
            assertEquals("x@0", model.submit(request("x"), false).get());
            List<String> captions = model.generate(List.of(request("a"), request("b")), false, 2);
            assertEquals(2, captions.size());
            assertTrue(captions.get(0).startsWith("a@") && captions.get(1).startsWith("b@"), captions.toString());
        }
    }

    @Test
    void thePoolFillsEachEngineToThePoolFillBeforeTheNextGetsAny() throws Exception {
        for (int fill : new int[] {1, 2, dev.qwenvl.engine.EnginePool.Options.DEFAULT_FILL}) {
            List<String> routed = new CopyOnWriteArrayList<>();
            LlmEngineFactory holding = new LlmEngineFactory() { // engines that hold every request
                @Override
                public LlmEngine start(EngineArgs args) {
                    throw new AssertionError("a pool pins its engines");
                }

                @Override
                public LlmEngine start(EngineArgs args, DeviceGroup devices) {
                    return new LlmEngine() {
                        @Override
                        public CompletableFuture<Generation> submit(EngineRequest r, SamplingParams s) {
                            routed.add(devices.toString());
                            return new CompletableFuture<>();
                        }

                        @Override
                        public void close() {}
                    };
                }

                @Override
                public List<String> visibleDevices() {
                    return List.of("0", "1", "2");
                }
            };
            QwenVlConfig.Builder b = config().devices(Devices.ALL);
            if (fill != dev.qwenvl.engine.EnginePool.Options.DEFAULT_FILL) {
                b.poolFill(fill);
            }
            try (QwenVL model = new QwenVL(b.build(), holding)) {
                model.setup();
                for (int i = 0; i < 4; i++) {
                    model.submit(request("r" + i), false);
                }
            }
            List<String> expected = switch (fill) {
                case 1 -> List.of("0", "1", "2", "0");
                case 2 -> List.of("0", "0", "1", "1");
                default -> List.of("0", "0", "0", "0");
            };
            assertEquals(expected, routed, "fill " + fill);
        }
    }

    @Test
    void setupStartsANewPoolOnlyWhenEveryEngineOfThePoolIsDead() {
        Factory f = new Factory();
        try (QwenVL model = new QwenVL(config().devices(Devices.parse("cpu,cpu")).build(), f)) {
            model.setup();
            assertEquals(List.of(DeviceGroup.CPU, DeviceGroup.CPU), f.pinnedStarts);
            f.deaths.get(0)[0] = true;
            model.setup(); // one engine of two died: the same pool goes on
            assertEquals(2, f.pinnedStarts.size(), "no new pool: " + f.pinnedStarts);
            f.deaths.get(1)[0] = true;
            model.setup(); // every engine dead: a new pool
            assertEquals(4, f.pinnedStarts.size(), "a new pool of two: " + f.pinnedStarts);
            assertEquals("x@cpu", model.generate(List.of(request("x"))).get(0));
        }
    }
}
