package dev.qwenvl.engine;

import java.util.List;

/** Starts an {@link LlmEngine} from engine arguments (one engine per model setup). */
@FunctionalInterface
public interface LlmEngineFactory {

    /**
     * Loads the model and returns a ready engine.
     *
     * @throws EngineException when the engine cannot start (missing package, bad weights, ...)
     */
    LlmEngine start(EngineArgs args);

    /**
     * Starts an engine whose process sees only {@code devices} (one member of an
     * {@link EnginePool}). The default starts {@link DeviceGroup#CPU} engines with
     * {@link #start(EngineArgs)} and refuses accelerator groups: a factory that cannot pin its
     * engine would put every member on the same device.
     *
     * @throws EngineException when the engine cannot start or cannot be pinned
     */
    default LlmEngine start(EngineArgs args, DeviceGroup devices) {
        if (devices.isCpu()) {
            return start(args);
        }
        throw new EngineException("this engine back end cannot pin an engine to devices " + devices
                + "; use devices=cpu,... or the default (one unpinned engine)");
    }

    /**
     * The accelerators engines of this factory could be pinned to (what {@code devices=all}
     * uses); empty when there are none or the factory cannot tell.
     */
    default List<String> visibleDevices() {
        return List.of();
    }

    /**
     * Refuses, before any model loads, a structured-output schema this factory's engines could not
     * compile into a grammar. The default checks nothing (an engine that compiles elsewhere, such
     * as a server, reports a bad schema per request).
     *
     * @param what names the schema in the message (e.g. its file)
     * @throws JsonSchemaException naming the problem
     */
    default void checkJsonSchema(JsonSchemaOutput schema, String what) {
    }
}
