package dev.qwenvl.caption;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import dev.qwenvl.engine.JsonSchemaException;
import dev.qwenvl.engine.JsonSchemaOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The JSON Schema of structured captions ({@link CaptionSettings#captionSchema()}): decoding is
 * constrained to it ({@link #output()}, vLLM's structured outputs), and every caption is parsed and
 * validated against it again ({@link #check}) before it is kept, so a caption that did not finish
 * (cut at the output token limit) or an engine that ignored the constraint gives an error for its
 * window, never a silent string.
 *
 * <p>Built by {@link #read(Path)} or {@link #of(String, String)}, which refuse text that is not
 * JSON or not a valid JSON Schema (checked against its meta-schema: the draft its {@code $schema}
 * names, 2020-12 when it names none) with a {@link JsonSchemaException}. Whether the engine's
 * grammar backend can compile it is the engine factory's check
 * ({@link dev.qwenvl.engine.LlmEngineFactory#checkJsonSchema}), also before the model loads.
 * Immutable and thread-safe. Needs {@code com.networknt:json-schema-validator} and Jackson on the
 * class path (the launcher jar bundles both).
 */
public final class CaptionSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Reads captions: the grammar's JSON strings may hold raw control characters (xgrammar allows a
     * tab inside a string), which strict JSON forbids; {@link #check} writes them escaped.
     */
    private static final ObjectMapper CAPTIONS = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS).build();

    private final String name;
    private final JsonNode schema;
    private final String compact;
    private final com.networknt.schema.JsonSchema validator;

    private CaptionSchema(String name, JsonNode schema, com.networknt.schema.JsonSchema validator) {
        this.name = name;
        this.schema = schema;
        this.compact = schema.toString();
        this.validator = validator;
    }

    /**
     * The schema in {@code file}.
     *
     * @throws JsonSchemaException when the file cannot be read, or is not JSON or not a JSON Schema
     */
    public static CaptionSchema read(Path file) {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JsonSchemaException("the caption schema " + file + " cannot be read: " + e, e);
        }
        return of(text, "the caption schema " + file);
    }

    /**
     * The schema {@code json}.
     *
     * @param what names the schema in messages (e.g. "the caption schema scene.json")
     * @throws JsonSchemaException when the text is not JSON or not a valid JSON Schema
     */
    public static CaptionSchema of(String json, String what) {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(what, "what");
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new JsonSchemaException(what + " is not JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (node == null || !(node.isObject() || node.isBoolean())) {
            throw new JsonSchemaException(what + " is not a JSON Schema: a schema is a JSON object (e.g. "
                    + "{\"type\": \"object\", \"properties\": {...}}), got " + (node == null ? "nothing" : node.getNodeType()));
        }
        SpecVersion.VersionFlag version;
        try {
            version = SpecVersionDetector.detectOptionalVersion(node, false).orElse(SpecVersion.VersionFlag.V202012);
        } catch (RuntimeException e) {
            throw new JsonSchemaException(what + " names a $schema this validator does not know ("
                    + node.path("$schema").asText() + "): use draft-04, -06, -07, 2019-09 or 2020-12", e);
        }
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(version);
        Set<ValidationMessage> problems = factory.getSchema(SchemaLocation.of(metaSchema(version))).validate(node);
        if (!problems.isEmpty()) {
            throw new JsonSchemaException(what + " is not a valid JSON Schema (" + version.getId() + "): "
                    + describe(problems));
        }
        try {
            return new CaptionSchema(what, node, factory.getSchema(node));
        } catch (RuntimeException e) {
            throw new JsonSchemaException(what + " cannot be compiled as a JSON Schema: " + e.getMessage(), e);
        }
    }

    private static String metaSchema(SpecVersion.VersionFlag version) {
        return switch (version) {
            case V4 -> SchemaId.V4;
            case V6 -> SchemaId.V6;
            case V7 -> SchemaId.V7;
            case V201909 -> SchemaId.V201909;
            case V202012 -> SchemaId.V202012;
        };
    }

    private static String describe(Set<ValidationMessage> problems) {
        return problems.stream().limit(5).map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; "))
                + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : "");
    }

    /** What messages call this schema (its file, when read from one). */
    public String name() {
        return name;
    }

    /** The schema as compact JSON text. */
    public String json() {
        return compact;
    }

    /** The engine's constraint for this schema. */
    public JsonSchemaOutput output() {
        return new JsonSchemaOutput(compact);
    }

    /**
     * {@code caption} parsed and validated: its compact JSON text (strict JSON: control characters
     * inside strings escaped).
     *
     * @throws StructuredCaptionException when it is not one JSON value (most often: cut off at the
     *                                    output token limit) or not valid against the schema
     */
    public String check(String caption) {
        if (caption == null) {
            throw new StructuredCaptionException("the engine returned no caption text where " + name + " asks for JSON");
        }
        JsonNode value;
        try {
            value = CAPTIONS.readTree(caption);
        } catch (JsonProcessingException e) {
            throw new StructuredCaptionException("the caption is not JSON (" + e.getOriginalMessage() + "), most likely "
                    + "cut off at the output token limit (raise --max-output-tokens, or bound the schema's strings "
                    + "and arrays with maxLength/maxItems): " + start(caption), e);
        }
        if (value == null) {
            throw new StructuredCaptionException("the caption is empty where " + name + " asks for JSON");
        }
        Set<ValidationMessage> problems = validator.validate(value);
        if (!problems.isEmpty()) {
            throw new StructuredCaptionException("the caption does not follow " + name + ": " + describe(problems)
                    + ": " + start(caption));
        }
        return value.toString();
    }

    /**
     * One sentence that tells the model the fields (top-level properties with their descriptions),
     * for an instruction that does not name them itself; empty when the schema has no properties.
     */
    public String fieldsHint() {
        JsonNode properties = schema.path("properties");
        if (!(properties instanceof ObjectNode fields) || fields.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("Answer with one JSON object with these fields: ");
        Iterator<Map.Entry<String, JsonNode>> it = fields.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> field = it.next();
            out.append(field.getKey());
            String description = field.getValue().path("description").asText("");
            if (!description.isBlank()) {
                out.append(" (").append(description.strip()).append(')');
            }
            out.append(it.hasNext() ? "; " : ".");
        }
        return out.toString();
    }

    private static String start(String caption) {
        String oneLine = caption.replace('\n', ' ');
        return oneLine.length() <= 120 ? "'" + oneLine + "'" : "'" + oneLine.substring(0, 120) + "...' ("
                + caption.length() + " characters)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaptionSchema other && compact.equals(other.compact);
    }

    @Override
    public int hashCode() {
        return compact.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
