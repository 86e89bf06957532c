package dev.qwenvl.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.prompt.ChatControlTokens;
import java.util.Map;

/**
 * The JSON body of one {@code POST /chat/completions} for one engine request, as vLLM's server
 * reads it:
 * <ul>
 *   <li>{@code messages}: the family's system turn (when it has one), then one user turn of the
 *       video (a {@code video_url} with the JPEG frame sequence, see {@link JpegFrames}) followed
 *       by the instruction (chat control token spellings broken, as {@code QwenPromptFormatter}
 *       does); the server applies the model's chat template.</li>
 *   <li>when {@code requestMediaKwargs} (vLLM's server needs {@code --trust-request-mm-kwargs} for these two):
 *       {@code media_io_kwargs.video}: {@code num_frames} (every frame sent is kept; vLLM keeps 32
 *       by default) and {@code fps}, the rate the frames were sampled at (the video's metadata,
 *       which sets the model's time positions; the server does not sample again).</li>
 *   <li>{@code mm_processor_kwargs}: {@code fps} and the window's pixel bounds, as the embedded
 *       engine passes them to the processor.</li>
 *   <li>sampling: {@code temperature}, {@code top_p}, {@code max_tokens}, {@code seed} (OpenAI
 *       fields) and vLLM's {@code repetition_penalty}, {@code stop_token_ids}, {@code ignore_eos}.</li>
 *   <li>with a JSON Schema ({@link SamplingParams#jsonSchema()}): OpenAI's {@code response_format}
 *       {@code {"type": "json_schema", "json_schema": {"name": "caption", "schema": ...}}}, which
 *       vLLM's server (0.11 to 0.32) turns into its structured outputs.</li>
 * </ul>
 */
final class ChatCompletionBody {

    private ChatCompletionBody() {}

    static ObjectNode build(ObjectMapper json, String model, EngineRequest request, VideoPayload.Frames frames,
                            SamplingParams sampling, float jpegQuality, boolean requestMediaKwargs) {
        if (!(request.prompt() instanceof ChatPrompt.Instruction instruction)) {
            throw new EngineException("the HTTP engine sends chat messages and the server applies the chat template; "
                    + "give it an instruction (EngineRequest.instruction), not a prompt templated by the caller");
        }
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        if (instruction.systemMessage() != null) {
            messages.addObject().put("role", "system").put("content", instruction.systemMessage());
        }
        ObjectNode user = messages.addObject().put("role", "user");
        ArrayNode content = user.putArray("content");
        content.addObject().put("type", "video_url").putObject("video_url")
                .put("url", JpegFrames.dataUrl(frames, jpegQuality));
        // as in the embedded engine's template: user text can never end its turn or open another
        content.addObject().put("type", "text").put("text", ChatControlTokens.neutralize(instruction.text()));

        if (requestMediaKwargs) {
            putMediaKwargs(body, request, frames);
        }
        putSampling(body, sampling);
        return body;
    }

    private static void putMediaKwargs(ObjectNode body, EngineRequest request, VideoPayload.Frames frames) {
        ObjectNode videoIo = body.putObject("media_io_kwargs").putObject("video");
        videoIo.put("num_frames", frames.shape()[0]);
        ObjectNode processor = body.putObject("mm_processor_kwargs");
        if (request.fps() != null) {
            videoIo.put("fps", request.fps());
            processor.put("fps", request.fps());
        }
        if (request.pixelBounds() != null) {
            for (Map.Entry<String, Object> e : request.pixelBounds().processorKwargs().entrySet()) {
                processor.putPOJO(e.getKey(), e.getValue());
            }
        }
        if (processor.isEmpty()) {
            body.remove("mm_processor_kwargs");
        }
    }

    private static void putSampling(ObjectNode body, SamplingParams sampling) {
        body.put("temperature", sampling.temperature());
        body.put("top_p", sampling.topP());
        body.put("repetition_penalty", sampling.repetitionPenalty());
        body.put("max_tokens", sampling.maxTokens());
        if (!sampling.stopTokenIds().isEmpty()) {
            ArrayNode stop = body.putArray("stop_token_ids");
            sampling.stopTokenIds().forEach(stop::add);
        }
        if (sampling.seed() != null) {
            body.put("seed", sampling.seed());
        }
        if (sampling.ignoreEos()) {
            body.put("ignore_eos", true);
        }
        if (sampling.jsonSchema() != null) {
            ObjectNode format = body.putObject("response_format").put("type", "json_schema");
            try {
                format.putObject("json_schema").put("name", "caption")
                        .set("schema", new ObjectMapper().readTree(sampling.jsonSchema().schema()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new EngineException("the JSON Schema of the request is not JSON: " + e.getOriginalMessage(), e);
            }
        }
    }
}
