package dev.qwenvl.engine;

import java.util.Objects;

/**
 * A structured-output constraint: the engine decodes only text that is one JSON value valid
 * against this JSON Schema (vLLM's structured outputs; its grammar backend, xgrammar by default,
 * masks every token that would leave the schema). A plain value: the schema's JSON text, which
 * reaches the engine as data (the embedded engine parses it in Python, the HTTP engine sends it as
 * the request's {@code response_format}). Checking that the text is a JSON Schema is the caller's
 * business ({@code dev.qwenvl.caption.CaptionSchema} does it before a model loads).
 *
 * @param schema the JSON Schema, as JSON text
 */
public record JsonSchemaOutput(String schema) {

    public JsonSchemaOutput {
        Objects.requireNonNull(schema, "schema");
        if (schema.isBlank()) {
            throw new IllegalArgumentException("the JSON Schema of a structured output is blank");
        }
    }
}
