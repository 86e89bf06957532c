"""Where the front end's time per engine step goes (prints, never fails).

vLLM's real ``LLM`` over the tiny model with the feed benchmark's instant core
(``qwenvl_bridge.instant_core``: no weights, one token per request per step), driven the way the
library's engine loop drives it (``add_request`` with ``RequestOutputKind.FINAL_ONLY``, then
``step()`` until every request finished), with the seed's sampling settings (temperature 0.1,
top_p 0.001, repetition_penalty 1.05, seed 0) and ``ignore_eos`` so that every request is exactly
``--tokens`` long. Text prompts: the per-step work measured here (the engine core's outputs,
output processing, detokenizing, stats) does not depend on the video.

For each batch size B (``--batches 1,8``) it runs B requests at once and prints, per step and per
output token: CPU of the thread calling ``step()`` (the GIL-holding front end), CPU of this
whole process (the engine client's output thread too) and CPU of the engine-core process, and a
profile split of the stepping thread (``get_output``: waiting for and decoding the core's
outputs; ``process_outputs``: output processing including incremental detokenizing; the
detokenizer alone; stats). ``--no-stats`` and ``--no-detokenize`` rerun the same with vLLM's stats
or detokenizing off, to show what each costs.

    python python/bench/frontend_steps.py --model .models/tiny-random/Qwen/Qwen2.5-VL-7B-Instruct
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def engine(model, log_stats):
    import vllm

    return vllm.LLM(model=model, distributed_executor_backend="qwenvl_bridge.instant_core.InstantExecutor",
                    disable_log_stats=not log_stats, max_model_len=4096, enforce_eager=True,
                    limit_mm_per_prompt={"video": 0, "image": 0})


def children_cpu():
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


def run(llm, batch, tokens, detokenize, profile):
    from vllm import SamplingParams
    from vllm.sampling_params import RequestOutputKind

    params = SamplingParams(temperature=0.1, top_p=0.001, repetition_penalty=1.05, max_tokens=tokens, seed=0,
                            ignore_eos=True, detokenize=detokenize)
    params.output_kind = RequestOutputKind.FINAL_ONLY
    core = llm.llm_engine
    run.counter = getattr(run, "counter", 0)
    for _ in range(batch):
        run.counter += 1
        core.add_request(f"r{run.counter}", {"prompt": "Describe the video in detail."}, params)
    steps, done = 0, 0
    thread0, proc0, child0, wall0 = time.thread_time(), time.process_time(), children_cpu(), time.perf_counter()
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    while done < batch:
        for out in core.step():
            if out.finished:
                done += 1
        steps += 1
    if prof:
        prof.disable()
    figures = {"steps": steps, "thread_cpu": time.thread_time() - thread0, "process_cpu": time.process_time() - proc0,
               "core_cpu": children_cpu() - child0, "wall": time.perf_counter() - wall0}
    return figures, prof


def split(prof):
    """Cumulative seconds of the parts of ``LLMEngine.step`` in a profile."""
    stats = pstats.Stats(prof)
    parts = {"get_output": ("core_client.py", "get_output"), "process_outputs": ("output_processor.py", "process_outputs"),
             "detokenizer update": ("detokenizer.py", "update"), "stats record": ("loggers.py", "record")}
    out = {}
    for name, (file, func) in parts.items():
        out[name] = sum(v[3] for k, v in stats.stats.items() if k[0].endswith(file) and k[2] == func)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--no-stats", action="store_true", help="also run with vLLM's stats off")
    ap.add_argument("--no-detokenize", action="store_true", help="also run with detokenize=False")
    args = ap.parse_args()
    configs = [("stats on, detokenize", True, True)]
    if args.no_detokenize:
        configs.append(("stats on, no detokenize", True, False))
    if args.no_stats:
        configs.append(("stats off, detokenize", False, True))
    batches = [int(b) for b in args.batches.split(",")]
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for log_stats in sorted({c[1] for c in configs}, reverse=True):
        llm = engine(args.model, log_stats)
        run(llm, 1, 16, True, False)  # warm-up
        for label, stats_on, detok in configs:
            if stats_on != log_stats:
                continue
            for batch in batches:
                figures, _ = run(llm, batch, args.tokens, detok, False)
                _, prof = run(llm, batch, args.tokens, detok, True)
                s, tok = figures["steps"], batch * args.tokens
                print(f"{label}, batch {batch}: {s} steps in {figures['wall']:.2f} s; per step: stepping thread "
                      f"{1e3 * figures['thread_cpu'] / s:.3f} ms CPU, this process {1e3 * figures['process_cpu'] / s:.3f} ms, "
                      f"engine core {1e3 * figures['core_cpu'] / s:.3f} ms; per output token: stepping thread "
                      f"{1e6 * figures['thread_cpu'] / tok:.1f} us, this process {1e6 * figures['process_cpu'] / tok:.1f} us, "
                      f"engine core {1e6 * figures['core_cpu'] / tok:.1f} us", flush=True)
                parts = split(prof)
                print("    profiled split per step (ms, cProfile inflates Python-heavy parts): " + ", ".join(
                    f"{k} {1e3 * v / s:.3f}" for k, v in parts.items()), flush=True)
        llm.llm_engine.engine_core.shutdown()
        del llm
    print(f"load average at end: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
