package dev.qwenvl.prompt;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Built-in caption instructions, one per kind of footage. A custom instruction, when given,
 * replaces the variant's text ({@link #instructionOr(String)}).
 */
public enum PromptVariant {

    /** Any video. */
    DEFAULT("default",
            "Write a detailed description of this video. Say what is in the scene, who or what "
                    + "moves and how, what happens in order from start to end, and how the camera "
                    + "moves. Mention lighting, weather and setting when they are visible. Describe "
                    + "only what can be seen; do not guess at things outside the frame."),

    /** Footage from a camera mounted on a vehicle (dash cam, autonomous-driving recordings). */
    DRIVING("driving",
            "This video was recorded by a camera mounted on a vehicle. Describe the drive in "
                    + "detail: the kind of road and its lanes, markings and signs, traffic lights and "
                    + "their states, other vehicles, cyclists and pedestrians and what each of them "
                    + "does, and what the recording vehicle itself does (speeding up, braking, "
                    + "turning, changing lanes, stopping). Include weather, time of day and road "
                    + "surface conditions. Report events in the order they happen."),

    /** Footage from a fixed security or monitoring camera. */
    SURVEILLANCE("surveillance",
            "This video comes from a fixed monitoring camera. Describe the area it watches and "
                    + "then every person, vehicle or object that enters, leaves or moves in it: what "
                    + "they look like, where they go and what they do, in the order it happens. Note "
                    + "any unusual activity. Describe only visible facts and do not identify people "
                    + "by name.");

    private final String key;
    private final String instruction;

    PromptVariant(String key, String instruction) {
        this.key = key;
        this.instruction = instruction;
    }

    /** Lower-case key used in configuration and on the command line. */
    public String key() {
        return key;
    }

    /** The built-in caption instruction (plain text, no chat tokens). */
    public String instruction() {
        return instruction;
    }

    /** {@code customText} when it is non-null and not blank, otherwise {@link #instruction()}. */
    public String instructionOr(String customText) {
        return customText == null || customText.isBlank() ? instruction : customText;
    }

    /**
     * The variant for {@code key} (case-insensitive, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the key and listing the valid keys
     */
    public static PromptVariant fromKey(String key) {
        if (key != null) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (PromptVariant v : values()) {
                if (v.key.equals(k)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown prompt variant '" + key + "'; valid choices: "
                + Arrays.stream(values()).map(PromptVariant::key).collect(Collectors.joining(", ")));
    }
}
