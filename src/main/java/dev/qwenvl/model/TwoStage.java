package dev.qwenvl.model;

import dev.qwenvl.engine.ChatPrompt;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.prompt.Stage2Rewrite;
import dev.qwenvl.prompt.Stage2Rewriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a request goes through the engine with {@link QwenVL}'s stage 2 (both
 * {@link QwenVL#submit} and {@link QwenVL#generate(java.util.List, boolean, int)} use it): the
 * stage-1 request is submitted; with stage 2, its stage-2 request enters the engine as soon as the
 * stage-1 caption arrives, carrying {@link QwenVlConfig#stage2PromptText()} followed by that
 * caption: as the new instruction of an instruction request ({@link ChatPrompt.Instruction}), or
 * put into a caller-templated prompt by {@link Stage2Rewriter}. An input whose templated prompt
 * cannot be rewritten (no {@code user_prompt} placeholder, no chat user turn) keeps its stage-1
 * caption instead of being sent again unchanged (the rewriter and this class log a WARN).
 */
final class TwoStage {
    private static final Logger LOG = LoggerFactory.getLogger(QwenVL.class); // one logger for the model's messages

    /** Stage-2 submissions leave the engine's completion thread at once (a submit may be an interpreter call). */
    private static final Executor STAGE2_EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "qwenvl-stage2");
        t.setDaemon(true);
        return t;
    });

    private final Stage2Rewriter rewriter = new Stage2Rewriter();
    private final String stage2Text;
    private final SamplingParams sampling;

    TwoStage(String stage2Text, SamplingParams sampling) {
        this.stage2Text = stage2Text;
        this.sampling = sampling;
    }

    /**
     * Submits {@code video} to {@code engine}; the future completes with its final caption and,
     * with stage 2, stage 1's generation beside it.
     *
     * @param what    names the input in logs (e.g. "input 3 of 40")
     * @param onStage told 2 when the stage-2 request is submitted (for error reports)
     */
    CompletableFuture<Caption> submit(LlmEngine engine, EngineRequest video, boolean stage2, String what,
                                      IntConsumer onStage) {
        return submit(engine, video, stage2, what, onStage, sampling);
    }

    /** {@link #submit(LlmEngine, EngineRequest, boolean, String, IntConsumer)} with {@code sampling} for both stages. */
    CompletableFuture<Caption> submit(LlmEngine engine, EngineRequest video, boolean stage2, String what,
                                      IntConsumer onStage, SamplingParams sampling) {
        CompletableFuture<Generation> stage1 = submitOnce(engine, video, sampling);
        if (!stage2) {
            return stage1.thenApply(g -> new Caption(g, 1, null, sampling.maxTokens()));
        }
        return stage1.thenComposeAsync(first -> {
            EngineRequest second = stage2Request(video, first.text());
            if (second == null) {
                LOG.warn("{} keeps its stage-1 caption: its prompt could not be rewritten for stage 2 (the "
                        + "stage-2 rewriter logged why)", what);
                return CompletableFuture.completedFuture(new Caption(first, 1, null, sampling.maxTokens()));
            }
            onStage.accept(2);
            return submitOnce(engine, second, sampling).thenApply(g -> new Caption(g, 2, first, sampling.maxTokens()));
        }, STAGE2_EXECUTOR);
    }

    private static CompletableFuture<Generation> submitOnce(LlmEngine engine, EngineRequest request, SamplingParams sampling) {
        CompletableFuture<Generation> f = engine.submit(request, sampling);
        if (f == null) {
            throw new EngineException("the engine (" + engine.getClass().getName() + ") returned no future for a "
                    + "request; LlmEngine.submit must return one per request");
        }
        return f;
    }

    /**
     * The stage-2 request of {@code request}: an instruction request gets
     * {@code stage2Text + caption} as its instruction (the engine applies the chat template, so
     * nothing is parsed); a caller-templated prompt is rewritten by {@link Stage2Rewriter} (the
     * seed's {@code user_prompt} placeholder, else the chat user turn). {@code null} when the
     * templated prompt cannot be rewritten (the rewriter logged why).
     */
    private EngineRequest stage2Request(EngineRequest request, String caption) {
        if (request.prompt() instanceof ChatPrompt.Instruction i) {
            return request.withPrompt(i.withText(stage2Text + caption));
        }
        Stage2Rewrite rewrite = rewriter.rewrite(((ChatPrompt.Templated) request.prompt()).text(), caption, stage2Text);
        return rewrite.rewritten() ? request.withPrompt(new ChatPrompt.Templated(rewrite.prompt())) : null;
    }
}
