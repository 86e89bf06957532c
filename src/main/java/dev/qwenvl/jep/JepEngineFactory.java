package dev.qwenvl.jep;

import dev.qwenvl.engine.DeviceGroup;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.JsonSchemaOutput;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Starts {@link JepLlmEngine}s in an embedded runtime (taken from the supplier when an engine
 * starts, so that a shared runtime starts only when first needed), pinned to devices on request:
 * the engine's vLLM processes are spawned with {@code CUDA_VISIBLE_DEVICES} set to the group
 * ({@code qwenvl_bridge.engine.pinned}). The visible devices are counted in the interpreter
 * ({@code qwenvl_bridge.engine.visible_devices}: {@code CUDA_VISIBLE_DEVICES}, else NVML's count).
 */
final class JepEngineFactory implements LlmEngineFactory {
    private final Supplier<PythonRuntime> runtime;

    JepEngineFactory(Supplier<PythonRuntime> runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    @Override
    public LlmEngine start(EngineArgs args) {
        return JepLlmEngine.start(runtime.get(), args);
    }

    @Override
    public LlmEngine start(EngineArgs args, DeviceGroup devices) {
        return JepLlmEngine.start(runtime.get(), args, devices);
    }

    @Override
    public void checkJsonSchema(JsonSchemaOutput schema, String what) {
        new JepSchemaCheck(runtime.get()).check(schema, what);
    }

    @Override
    public List<String> visibleDevices() {
        return List.copyOf(new EngineBridge(runtime.get()).visibleDevices());
    }
}
