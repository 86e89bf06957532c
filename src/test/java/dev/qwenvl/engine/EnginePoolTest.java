package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EnginePoolTest {
    private static final SamplingParams SAMPLING = new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), 0);
    private static final EngineArgs ARGS = new EngineArgs("/models/m", Map.of("video", 1), null, 4096, 0.9, Map.of(),
            0, 4096, Map.of());

    /** An engine whose requests wait until the test answers or kills it. */
    static final class FakeEngine implements LlmEngine {
        final DeviceGroup devices;
        final Map<String, CompletableFuture<Generation>> pending = new ConcurrentHashMap<>();
        final List<String> received = new CopyOnWriteArrayList<>();
        volatile boolean dead;
        volatile boolean closed;
        /** Whether the engine tells its death's cause through death() (false: only isDead(), as older engines do). */
        volatile boolean tellsCause = true;

        FakeEngine(DeviceGroup devices) {
            this.devices = devices;
        }

        @Override
        public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
            CompletableFuture<Generation> f = new CompletableFuture<>();
            if (dead) {
                f.completeExceptionally(died());
                return f;
            }
            String prompt = ((ChatPrompt.Templated) request.prompt()).text();
            received.add(prompt);
            pending.put(prompt, f);
            return f;
        }

        /** Answers every pending request with "caption of PROMPT by DEVICES". */
        void answerAll() {
            for (String prompt : new ArrayList<>(pending.keySet())) {
                CompletableFuture<Generation> f = pending.remove(prompt);
                if (f != null) {
                    f.complete(Generation.ofText("caption of " + prompt + " by " + devices));
                }
            }
        }

        /** The engine core dies: every pending request fails with EngineDiedException. */
        void kill() {
            dead = true;
            for (String prompt : new ArrayList<>(pending.keySet())) {
                CompletableFuture<Generation> f = pending.remove(prompt);
                if (f != null) {
                    f.completeExceptionally(died());
                }
            }
        }

        private EngineDiedException died() {
            return new EngineDiedException("core on " + devices + " was killed by signal 9", "EngineCore", 42, null,
                    "SIGKILL", null);
        }

        /** The process dies, but the failures of its open requests have not arrived yet. */
        void dieQuietly() {
            dead = true;
        }

        @Override
        public Optional<EngineDiedException> death() {
            return dead && tellsCause ? Optional.of(died()) : Optional.empty();
        }

        @Override
        public boolean isDead() {
            return dead;
        }


        @Override
        public void close() {
            closed = true;
            for (CompletableFuture<Generation> f : pending.values()) {
                f.completeExceptionally(new EngineException("closed"));
            }
            pending.clear();
        }
    }

    /** Starts one FakeEngine per call and remembers them by device group. */
    static final class FakeFactory implements LlmEngineFactory {
        final List<FakeEngine> started = new CopyOnWriteArrayList<>();
        final List<String> visible;
        volatile RuntimeException failOn;
        /** When set, starts wait for it (a restart that takes time). */
        volatile java.util.concurrent.CountDownLatch startGate;

        FakeFactory(String... visible) {
            this.visible = List.of(visible);
        }

        @Override
        public LlmEngine start(EngineArgs args) {
            return start(args, DeviceGroup.CPU);
        }

        @Override
        public LlmEngine start(EngineArgs args, DeviceGroup devices) {
            if (failOn != null && started.size() == 1) {
                throw failOn;
            }
            java.util.concurrent.CountDownLatch gate = startGate;
            try {
                if (gate != null && !gate.await(10, TimeUnit.SECONDS)) {
                    throw new EngineException("the test never opened the start gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted at the start gate");
            }
            FakeEngine e = new FakeEngine(devices);
            started.add(e);
            return e;
        }

        @Override
        public List<String> visibleDevices() {
            return visible;
        }

        FakeEngine on(String devices) {
            FakeEngine found = null;
            for (FakeEngine e : started) {
                if (e.devices.toString().equals(devices)) {
                    found = e; // the latest (a restarted member replaces its dead engine)
                }
            }
            return found;
        }
    }

    private static EngineRequest request(String prompt) {
        return new EngineRequest(prompt, LlmEngineContract.video(1));
    }

    /** A pool whose requests spread (fill 1), so that every member has work when one dies. */
    private static EnginePool pool(FakeFactory factory, String devices, int restarts) {
        return EnginePool.start(factory, ARGS, Devices.parse(devices), new EnginePool.Options(restarts, 1));
    }

    @Test
    void withAFillOfOneEachRequestGoesToTheLiveMemberWithTheFewestInFlight() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1,2", 0)) {
            for (int i = 0; i < 6; i++) {
                pool.submit(request("r" + i), SAMPLING);
            }
            assertEquals(List.of("r0", "r3"), factory.on("0").received);
            assertEquals(List.of("r1", "r4"), factory.on("1").received);
            assertEquals(List.of("r2", "r5"), factory.on("2").received);
            factory.on("1").answerAll();
            pool.submit(request("r6"), SAMPLING);
            pool.submit(request("r7"), SAMPLING);
            assertEquals(List.of("r1", "r4", "r6", "r7"), factory.on("1").received, "engine 1 had room for two");
            assertEquals(List.of(2, 2, 2), pool.members().stream().map(EnginePool.Member::inFlight).toList());
        }
    }

    @Test
    void membersFillToTheFillBeforeTheNextGetsAnyThenTheLeastLoadedTakesTheRest() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = EnginePool.start(factory, ARGS, Devices.parse("0,1,2"), new EnginePool.Options(0, 2))) {
            for (int i = 0; i < 7; i++) {
                pool.submit(request("r" + i), SAMPLING);
            }
            assertEquals(List.of("r0", "r1", "r6"), factory.on("0").received, "full to 2, then the first of the least-loaded");
            assertEquals(List.of("r2", "r3"), factory.on("1").received);
            assertEquals(List.of("r4", "r5"), factory.on("2").received);
            factory.on("1").answerAll();
            pool.submit(request("r7"), SAMPLING);
            pool.submit(request("r8"), SAMPLING);
            pool.submit(request("r9"), SAMPLING);
            assertEquals(List.of("r2", "r3", "r7", "r8", "r9"), factory.on("1").received,
                    "engine 1 fills to 2 again, then is the least-loaded of 3, 2, 2");
            assertEquals(List.of(3, 3, 2), pool.members().stream().map(EnginePool.Member::inFlight).toList());
        }
    }

    @Test
    void aRequestGoesToTheBusiestMemberUnderTheFillNotToAnIdleOne() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = EnginePool.start(factory, ARGS, Devices.parse("0,1"), EnginePool.Options.DEFAULTS)) {
            for (int i = 0; i < 5; i++) {
                pool.submit(request("r" + i), SAMPLING);
            }
            assertEquals(List.of("r0", "r1", "r2", "r3"), factory.on("0").received, "the default fill is 4");
            assertEquals(List.of("r4"), factory.on("1").received);
            factory.on("0").answerAll();
            pool.submit(request("r5"), SAMPLING);
            assertEquals(List.of("r4", "r5"), factory.on("1").received, "engine 1 is stepping already; engine 0 stays idle");
            assertEquals(List.of(0, 2), pool.members().stream().map(EnginePool.Member::inFlight).toList());
        }
    }

    @Test
    void aFillBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EnginePool.Options(1, 0));
        assertTrue(e.getMessage().contains("fill must be at least 1"), e.getMessage());
        assertEquals(new EnginePool.Options(1, 1), EnginePool.Options.DEFAULTS.withFill(1));
        assertEquals(4, EnginePool.Options.DEFAULT_FILL);
    }

    @Test
    void membersStartOneAfterAnotherOnTheirOwnDevices() {
        FakeFactory factory = new FakeFactory();
        EngineArgs tp2 = new EngineArgs("/models/m", Map.of("video", 1), null, 4096, 0.9, Map.of(), 0, 4096,
                Map.of("tensor_parallel_size", 2));
        try (EnginePool pool = EnginePool.start(factory, tp2, Devices.parse("0+1,2+3"), new EnginePool.Options(0, 1))) {
            assertEquals(List.of("0+1", "2+3"), factory.started.stream().map(e -> e.devices.toString()).toList());
            assertEquals(List.of(DeviceGroup.of("0", "1"), DeviceGroup.of("2", "3")),
                    pool.members().stream().map(EnginePool.Member::devices).toList());
        }
    }

    @Test
    void requestsInFlightOnADeadMemberAreCaptionedByTheOthersExactlyOnce() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            List<CompletableFuture<Generation>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                futures.add(pool.submit(request("r" + i), SAMPLING));
            }
            factory.on("1").answerAll(); // r1, r3, ... captioned by engine 1
            for (int i = 10; i < 12; i++) {
                futures.add(pool.submit(request("r" + i), SAMPLING));
            }
            // r10 and r11 went to engine 1 (it had nothing in flight)
            factory.on("0").kill(); // r0, r2, ... r8 go to engine 1 again
            assertFalse(pool.isDead());
            factory.on("1").answerAll();
            Map<String, Integer> times = new HashMap<>();
            for (int i = 0; i < futures.size(); i++) {
                String caption = futures.get(i).get(5, TimeUnit.SECONDS).text();
                assertTrue(caption.startsWith("caption of r" + i + " by "), caption);
                assertTrue(caption.endsWith(" by 1"), caption);
                times.merge("r" + i, 1, Integer::sum);
            }
            assertEquals(12, times.size());
            assertEquals(Collections.nCopies(12, 1), new ArrayList<>(times.values()));
            assertEquals(5, pool.resubmitted(), "r0, r2, r4, r6 and r8 were in flight on engine 0");
            EnginePool.Member dead = pool.members().get(0);
            assertEquals(EnginePool.MemberState.DEAD, dead.state());
            assertEquals(1, dead.deaths());
            assertTrue(dead.lastDeath().contains("killed by signal 9"), dead.lastDeath());
            // Engine 1 received every request once, except the resubmitted ones (once each, too).
            List<String> onOne = new ArrayList<>(factory.on("1").received);
            assertEquals(onOne.size(), onOne.stream().distinct().count(), onOne.toString());
            assertEquals(12, onOne.size());
        }
    }

    @Test
    void aDeadMemberIsStartedAgainOnceAndTakesRequestsAgain() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 1)) {
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
            pool.submit(request("b"), SAMPLING);
            FakeEngine first = factory.on("0");
            factory.startGate = new java.util.concurrent.CountDownLatch(1); // "a" moves on while 0 restarts
            first.kill();
            factory.startGate.countDown();
            assertTrue(waitFor(() -> pool.members().get(0).state() == EnginePool.MemberState.LIVE),
                    "member 0 restarted: " + pool.members());
            assertTrue(first.closed, "the dead engine was closed");
            FakeEngine second = factory.on("0");
            assertTrue(second != first);
            assertEquals(1, pool.members().get(0).restarts());
            factory.on("1").answerAll();
            assertEquals("caption of a by 1", a.get(5, TimeUnit.SECONDS).text());
            pool.submit(request("c"), SAMPLING);
            assertEquals(List.of("c"), second.received, "the restarted member takes work again");
            second.kill(); // its one restart is spent
            assertTrue(waitFor(() -> pool.members().get(0).state() == EnginePool.MemberState.DEAD));
            assertEquals(3, factory.started.size());
            assertFalse(pool.isDead());
        }
    }

    @Test
    void whenEveryMemberIsDeadRequestsFailWithEngineDied() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "cpu,cpu", 0)) {
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
            factory.started.get(0).kill();
            factory.started.get(1).kill();
            ExecutionException e = assertThrows(ExecutionException.class, () -> a.get(5, TimeUnit.SECONDS));
            assertInstanceOf(EngineDiedException.class, e.getCause());
            assertTrue(pool.isDead());
            ExecutionException later = assertThrows(ExecutionException.class,
                    () -> pool.submit(request("b"), SAMPLING).get(5, TimeUnit.SECONDS));
            assertInstanceOf(EngineDiedException.class, later.getCause());
            assertTrue(later.getCause().getMessage().contains("every engine of the pool"), later.getCause().getMessage());
            assertThrows(EngineDiedException.class, () -> pool.generate(List.of(request("c")), SAMPLING));
        }
    }

    @Test
    void aMemberThatDiedWhileIdleIsSkippedAtTheNextSubmit() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            factory.on("0").kill(); // nothing in flight: the pool hears of it at the next submit
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
            factory.on("1").answerAll();
            assertEquals("caption of a by 1", a.get(5, TimeUnit.SECONDS).text());
            assertEquals(0, pool.resubmitted());
            assertEquals(EnginePool.MemberState.DEAD, pool.members().get(0).state());
        }
    }

    @Test
    void aDeathSeenBeforeTheMembersOwnFailureArrivesIsRecordedWithTheMembersCause() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING); // on engine 0
            factory.on("0").dieQuietly(); // dead, its failure with the cause still on the way
            CompletableFuture<Generation> b = pool.submit(request("b"), SAMPLING); // the pool sees the death here
            EnginePool.Member dead = pool.members().get(0);
            assertEquals(EnginePool.MemberState.DEAD, dead.state());
            assertTrue(dead.lastDeath().contains("killed by signal 9"), dead.lastDeath());
            factory.on("0").kill(); // the member's own failure arrives: the same death, not a second one
            assertTrue(waitFor(() -> factory.on("1").received.size() == 2), "a moved on to engine 1");
            factory.on("1").answerAll();
            assertEquals("caption of a by 1", a.get(5, TimeUnit.SECONDS).text());
            assertEquals("caption of b by 1", b.get(5, TimeUnit.SECONDS).text());
            assertEquals(1, pool.members().get(0).deaths());
            assertTrue(pool.members().get(0).lastDeath().contains("killed by signal 9"), pool.members().toString());
        }
    }

    @Test
    void anEngineThatOnlySaysItIsDeadGetsItsCauseRecordedWhenItsOwnFailureArrives() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            factory.on("0").tellsCause = false; // implements isDead() only
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
            factory.on("0").dieQuietly();
            pool.submit(request("b"), SAMPLING);
            assertTrue(pool.members().get(0).lastDeath().contains("not why"), pool.members().get(0).lastDeath());
            factory.on("0").kill();
            assertTrue(waitFor(() -> factory.on("1").received.size() == 2), "a moved on to engine 1");
            assertTrue(pool.members().get(0).lastDeath().contains("killed by signal 9"), pool.members().get(0).lastDeath());
            assertEquals(1, pool.members().get(0).deaths());
            factory.on("1").answerAll();
            assertEquals("caption of a by 1", a.get(5, TimeUnit.SECONDS).text());
        }
    }

    @Test
    void aRefusedRequestFailsAloneAndIsNotSentAgain() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
            factory.on("0").pending.get("a").completeExceptionally(new EngineException("vLLM refused a request"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> a.get(5, TimeUnit.SECONDS));
            assertEquals("vLLM refused a request", e.getCause().getMessage());
            assertEquals(0, pool.resubmitted());
            assertEquals(List.of(), factory.on("1").received);
        }
    }

    @Test
    void generateAnswersInRequestOrderThroughTheMembers() throws Exception {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = pool(factory, "0,1", 0)) {
            CompletableFuture<List<String>> call = CompletableFuture.supplyAsync(
                    () -> pool.generate(List.of(request("x"), request("y"), request("z")), SAMPLING));
            assertTrue(waitFor(() -> factory.on("0").pending.size() + factory.on("1").pending.size() == 3));
            factory.on("1").answerAll();
            factory.on("0").answerAll();
            assertEquals(List.of("caption of x by 0", "caption of y by 1", "caption of z by 0"),
                    call.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeClosesEveryMemberOnceAndFailsWhatIsInFlight() {
        FakeFactory factory = new FakeFactory();
        EnginePool pool = pool(factory, "0,1", 1);
        CompletableFuture<Generation> a = pool.submit(request("a"), SAMPLING);
        pool.close();
        pool.close();
        assertTrue(factory.started.stream().allMatch(e -> e.closed));
        assertTrue(a.isCompletedExceptionally());
        assertEquals(0, pool.resubmitted(), "a request aborted by close is not sent again");
        assertTrue(pool.members().stream().allMatch(m -> m.state() == EnginePool.MemberState.CLOSED));
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.submit(request("b"), SAMPLING).get());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
    }

    @Test
    void aMemberThatCannotStartClosesTheStartedOnesAndNamesItsDevices() {
        FakeFactory factory = new FakeFactory();
        factory.failOn = new EngineException("out of memory on the device");
        EngineException e = assertThrows(EngineException.class, () -> pool(factory, "0,1,2", 0));
        assertTrue(e.getMessage().contains("engine 2 of 3 (devices 1) did not start: out of memory"), e.getMessage());
        assertTrue(factory.started.get(0).closed);
    }

    @Test
    void allUsesEveryVisibleDeviceInGroupsOfTheTensorParallelSize() {
        FakeFactory factory = new FakeFactory("0", "1", "2", "3", "4");
        EngineArgs tp2 = new EngineArgs("/models/m", Map.of("video", 1), null, 4096, 0.9, Map.of(), 0, 4096,
                Map.of("tensor_parallel_size", 2));
        try (EnginePool pool = EnginePool.start(factory, tp2, Devices.ALL, EnginePool.Options.DEFAULTS)) {
            assertEquals(List.of("0+1", "2+3"), factory.started.stream().map(e -> e.devices.toString()).toList());
        }
    }

    @Test
    void allWithoutAcceleratorsRunsOneEngineOnTheCpu() {
        FakeFactory factory = new FakeFactory();
        try (EnginePool pool = EnginePool.start(factory, ARGS, Devices.ALL, EnginePool.Options.DEFAULTS)) {
            assertEquals(List.of(DeviceGroup.CPU), pool.members().stream().map(EnginePool.Member::devices).toList());
        }
    }

    @Test
    void aFactoryThatCannotPinRefusesAcceleratorGroups() {
        LlmEngineFactory plain = args -> new FakeEngine(DeviceGroup.CPU);
        EngineException e = assertThrows(EngineException.class,
                () -> EnginePool.start(plain, ARGS, Devices.parse("0,1"), EnginePool.Options.DEFAULTS));
        assertTrue(e.getMessage().contains("cannot pin an engine to devices 0"), e.getMessage());
        try (EnginePool cpu = EnginePool.start(plain, ARGS, Devices.parse("cpu,cpu"), EnginePool.Options.DEFAULTS)) {
            assertEquals(2, cpu.members().size());
        }
    }

    @Test
    void manyThreadsSubmittingWhileAMemberDiesGetEveryCaptionOnce() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        LlmEngineFactory instant = new LlmEngineFactory() {
            final AtomicInteger n = new AtomicInteger();

            @Override
            public LlmEngine start(EngineArgs args) {
                int id = n.getAndIncrement();
                return new LlmEngine() {
                    @Override
                    public CompletableFuture<Generation> submit(EngineRequest r, SamplingParams s) {
                        if (id == 0 && answered.get() > 50) {
                            return CompletableFuture.failedFuture(
                                    new EngineDiedException("gone", "EngineCore", 1, null, "SIGKILL", null));
                        }
                        answered.incrementAndGet();
                        return CompletableFuture.supplyAsync(() -> Generation.ofText(((ChatPrompt.Templated) r.prompt()).text() + "@" + id));
                    }

                    @Override
                    public boolean isDead() {
                        return id == 0 && answered.get() > 50;
                    }


                    @Override
                    public void close() {}
                };
            }
        };
        try (EnginePool pool = EnginePool.start(instant, ARGS, Devices.parse("cpu,cpu,cpu"), new EnginePool.Options(0, 1))) {
            List<CompletableFuture<Generation>> all = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int tt = t;
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 100; i++) {
                        all.add(pool.submit(request(tt + "-" + i), SAMPLING));
                    }
                });
                th.start();
                threads.add(th);
            }
            for (Thread t : threads) {
                t.join();
            }
            List<String> prompts = new ArrayList<>();
            for (CompletableFuture<Generation> f : all) {
                prompts.add(f.get(5, TimeUnit.SECONDS).text().split("@")[0]);
            }
            assertEquals(400, prompts.stream().distinct().count());
            assertEquals(EnginePool.MemberState.DEAD, pool.members().get(0).state());
        }
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
