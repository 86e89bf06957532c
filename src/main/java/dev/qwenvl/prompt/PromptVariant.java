package dev.qwenvl.prompt;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Built-in caption instructions: NeMo Curator's {@code _PROMPTS}
 * (nemo_curator/stages/video/caption/caption_preparation.py), with Curator's keys and exact text,
 * whitespace included (Curator sends each triple-quoted string as it is, so the prompts stay
 * token-identical and captions reproduce a Curator pipeline). {@code driving} and
 * {@code surveillance}, this library's earlier keys, stay as aliases. A custom instruction, when
 * given, replaces the variant's text ({@link #instructionOr(String)}).
 */
public enum PromptVariant {

    /** Any video: Curator's {@code "default"}. */
    DEFAULT("default", List.of(),
            "\n"
                    + "        Elaborate on the visual and narrative elements of the video in detail.\n"
                    + "    "),

    /** Footage from a camera mounted on a car: Curator's {@code "av"}; alias {@code driving}. */
    AV("av", List.of("driving"),
            "\n"
                    + "        The video depicts the view from a camera mounted on a car as it is driving.\n"
                    + "        Pay special attention to the motion of the cars, including the primary car\n"
                    + "        whose point-of-view we observe in the video. Also note important factors\n"
                    + "        that would relate to driving safety like the relative positions of pedestrians,\n"
                    + "        lane markers, road signs, traffic signals, and any aggressive driving behavior\n"
                    + "        of other vehicles. Also pay attention to interesting landmarks and describe\n"
                    + "        them in detail.\n"
                    + "    "),

    /** Footage from a surveillance camera watching traffic: Curator's {@code "av-surveillance"}; alias {@code surveillance}. */
    AV_SURVEILLANCE("av-surveillance", List.of("surveillance"),
            "\n"
                    + "        The video depicts the view from a surveillance camera. Pay special attention\n"
                    + "        to the motion of the cars and other important factors that would relate to\n"
                    + "        driving safety like the relative positions of pedestrians, lane markers,\n"
                    + "        road signs, traffic signals, and any aggressive driving behavior of vehicles.\n"
                    + "        Also pay attention to interesting landmarks and describe them in detail.\n"
                    + "    "),

    /**
     * Structured captions with the scene schema shipped in {@code docs/schemas/scene.schema.json}
     * (scene, subjects, actions, camera): names its fields. Not Curator's.
     */
    SCENE_JSON("scene-json", List.of(),
            "Describe the video as one JSON object with these fields: \"scene\": the place, time of day, "
                    + "weather and lighting; \"subjects\": up to four main people, animals or objects, each with "
                    + "\"name\", \"appearance\" and \"action\" (what it does); \"actions\": up to four events "
                    + "in the order they happen; \"camera\": \"motion\" (static, pan, tilt, zoom, tracking, "
                    + "handheld or other) and \"shot\" (close-up, medium, wide, aerial or other). Keep every "
                    + "text short and factual."),

    /**
     * Structured captions with the temporal-events schema shipped in
     * {@code docs/schemas/events.schema.json}: names its fields. Not Curator's.
     */
    EVENTS_JSON("events-json", List.of(),
            "List what happens in the video as one JSON object: \"events\": up to six events in the order "
                    + "they happen, each with \"start_seconds\" and \"end_seconds\" (seconds from the start of "
                    + "this clip, within its length, start before end) and \"description\" (one short sentence: "
                    + "who does what).");

    private final String key;
    private final List<String> aliases;
    private final String instruction;

    PromptVariant(String key, List<String> aliases, String instruction) {
        this.key = key;
        this.aliases = aliases;
        this.instruction = instruction;
    }

    /** Lower-case key used in configuration and on the command line (Curator's key). */
    public String key() {
        return key;
    }

    /** Further keys that select this variant. */
    public List<String> aliases() {
        return aliases;
    }

    /** The built-in caption instruction (plain text, no chat tokens), exactly as Curator has it. */
    public String instruction() {
        return instruction;
    }

    /** Whether the instruction names the fields of a shipped caption schema (a structured-caption variant). */
    public boolean namesFields() {
        return this == SCENE_JSON || this == EVENTS_JSON;
    }

    /** {@code customText} when it is non-null and not blank, otherwise {@link #instruction()}. */
    public String instructionOr(String customText) {
        return customText == null || customText.isBlank() ? instruction : customText;
    }

    /**
     * The variant for {@code key} or an alias (case-insensitive, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the key and listing the valid keys
     */
    public static PromptVariant fromKey(String key) {
        if (key != null) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (PromptVariant v : values()) {
                if (v.key.equals(k) || v.aliases.contains(k)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown prompt variant '" + key + "'; valid choices: "
                + Arrays.stream(values()).map(PromptVariant::key).collect(Collectors.joining(", "))
                + " (aliases: driving = av, surveillance = av-surveillance)");
    }
}
