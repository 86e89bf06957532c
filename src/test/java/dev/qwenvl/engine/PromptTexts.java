package dev.qwenvl.engine;

import dev.qwenvl.prompt.QwenPromptFormatter;

/** Test helper: the prompt text the embedded vLLM engine sends for a request (template applied last). */
public final class PromptTexts {
    private PromptTexts() {}

    public static String text(EngineRequest request) {
        return text(request.prompt());
    }

    public static String text(ChatPrompt prompt) {
        if (prompt instanceof ChatPrompt.Instruction i) {
            return new QwenPromptFormatter(i.systemMessage()).format(i.text());
        }
        return ((ChatPrompt.Templated) prompt).text();
    }
}
