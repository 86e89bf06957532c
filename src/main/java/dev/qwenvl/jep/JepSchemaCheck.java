package dev.qwenvl.jep;

import dev.qwenvl.engine.JsonSchemaException;
import dev.qwenvl.engine.JsonSchemaOutput;
import java.util.Objects;

/**
 * Asks the embedded interpreter whether vLLM's grammar backend (xgrammar) can compile a JSON Schema
 * ({@code qwenvl_bridge.structured.problem}), without loading a model or a tokenizer: a schema it
 * cannot compile is refused in seconds, before the weights load.
 */
public final class JepSchemaCheck {
    static final String STRUCTURED = "qwenvl_bridge.structured";

    private final PythonBridge bridge;

    public JepSchemaCheck(PythonRuntime runtime) {
        this.bridge = new PythonBridge(Objects.requireNonNull(runtime, "runtime"));
    }

    /**
     * @param what names the schema in the message (e.g. its file)
     * @throws JsonSchemaException when the grammar backend cannot compile {@code schema}
     */
    public void check(JsonSchemaOutput schema, String what) {
        Object problem = bridge.call(STRUCTURED, "problem", schema.schema());
        if (problem != null) {
            throw new JsonSchemaException(what + " cannot constrain captions: " + problem
                    + "; change the schema (remove or fix the keyword named) and run again");
        }
    }
}
