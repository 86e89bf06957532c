package dev.qwenvl.model;

import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.PromptTexts;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Test inputs: chat prompts over Python-held videos whose handle id identifies the input. */
final class Requests {

    private static final QwenPromptFormatter FORMATTER = new QwenPromptFormatter();

    private Requests() {}

    static EngineRequest request(long id) {
        return new EngineRequest(FORMATTER.format("Describe video " + id + "."), new OpaqueVideo(id));
    }

    static List<EngineRequest> requests(int count) {
        return requests(0, count);
    }

    static List<EngineRequest> requests(long firstId, int count) {
        return IntStream.range(0, count).mapToObj(i -> request(firstId + i)).collect(Collectors.toList());
    }

    static long id(EngineRequest request) {
        return ((OpaqueVideo) request.video()).id();
    }

    /** What the fake engines answer: stage-2 prompts (those containing {@code marker}) get "refined-", others "draft-". */
    static List<String> answer(List<EngineRequest> batch, String stage2Marker) {
        return batch.stream()
                .map(r -> (PromptTexts.text(r).contains(stage2Marker) ? "refined-" : "draft-") + id(r))
                .collect(Collectors.toList());
    }
}
