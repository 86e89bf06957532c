package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineRequestTest {

    @Test
    void anInstructionRequestKeepsTheTextTheSystemTurnTheRateAndTheBoundsApart() {
        PixelBounds bounds = new PixelBounds(3136, 602112, false);
        EngineRequest r = EngineRequest.instruction("Count the cars.", null, new OpaqueVideo(1)).withFps(1.5)
                .withPixelBounds(bounds);
        assertEquals(new ChatPrompt.Instruction("Count the cars.", null), r.prompt());
        assertEquals(1.5, r.fps());
        assertEquals(bounds, r.pixelBounds());
        EngineRequest second = r.withPrompt(((ChatPrompt.Instruction) r.prompt()).withText("Refine: a car"));
        assertEquals(new ChatPrompt.Instruction("Refine: a car", null), second.prompt());
        assertEquals(1.5, second.fps(), "stage 2 keeps the rate");
        assertEquals(bounds, second.pixelBounds(), "and the bounds");
    }

    @Test
    void aRequestWithoutRateOrBoundsLeavesThemToTheEngine() {
        EngineRequest r = new EngineRequest("<|im_start|>user\nx<|im_end|>", new OpaqueVideo(2));
        assertEquals(new ChatPrompt.Templated("<|im_start|>user\nx<|im_end|>"), r.prompt());
        assertNull(r.fps());
        assertNull(r.pixelBounds());
    }

    @Test
    void aRateThatIsNotPositiveAndFiniteIsRefused() {
        EngineRequest r = EngineRequest.instruction("x", null, new OpaqueVideo(3));
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.withFps(bad));
            assertTrue(e.getMessage().contains("fps"), e.getMessage());
        }
    }

    @Test
    void pixelBoundsReadTheDecodersProcessorArgumentsAndWriteThemBack() {
        assertNull(PixelBounds.fromProcessorKwargs(Map.of()));
        PixelBounds perFrame = PixelBounds.fromProcessorKwargs(Map.of("min_pixels", 100352, "max_pixels", 602112.0));
        assertEquals(new PixelBounds(100352, 602112, false), perFrame);
        assertEquals(Map.of("min_pixels", 100352L, "max_pixels", 602112L), perFrame.processorKwargs());
        Map<String, Object> perVideo = new LinkedHashMap<>();
        perVideo.put("min_pixels", 4 * 3136);
        perVideo.put("max_pixels", 4 * 602112);
        perVideo.put("cap_pixels_per_frame", false);
        PixelBounds clip = PixelBounds.fromProcessorKwargs(perVideo);
        assertTrue(clip.perVideo());
        assertEquals(Map.of("min_pixels", 12544L, "max_pixels", 2408448L, "cap_pixels_per_frame", false), clip.processorKwargs());
    }

    @Test
    void processorArgumentsOtherThanBoundsAreRefusedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PixelBounds.fromProcessorKwargs(Map.of("min_pixels", 1, "max_pixels", 2, "do_resize", true)));
        assertTrue(e.getMessage().contains("'do_resize'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PixelBounds.fromProcessorKwargs(Map.of("min_pixels", 1)));
        assertThrows(IllegalArgumentException.class, () -> new PixelBounds(10, 5, false));
    }
}
