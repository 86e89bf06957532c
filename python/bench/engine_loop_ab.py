"""The library's engine loop, before and after its two per-step savings, in one run (prints,
never fails).

vLLM's real ``LLM`` over the tiny model's tokenizer with the feed benchmark's instant core
(``qwenvl_bridge.instant_core``: no weights, one token per request per step, optionally sleeping
S ms per step in the engine-core process as an accelerator step would take), driven by the
library's own loop (``qwenvl_bridge.stream.EngineStream``: one thread per engine, requests added
between steps, final outputs only), with the seed's sampling settings and 512 output tokens per
request. Text prompts: the per-step work does not depend on the video.

Two variants over the same engines, alternated for ``--rounds`` rounds so that a change in the
machine's speed falls on both:

* ``before``: vLLM's Prometheus stat logger on, and the loop processes each engine step's outputs
  at its own wake-up (``OUTPUT_GATHER_S = 0``);
* ``after``: as the library runs now: that logger taken off
  (``vllm_api.drop_prometheus_logger``) and the outputs of several steps processed per wake-up
  (``stream.OUTPUT_GATHER_S``).

For each it prints the CPU time per request of this process (the loop threads, vLLM's client
threads: what holds the GIL of the library's interpreter) and of the engine-core processes, and
the engine steps processed per wake-up of the loops. Requests are sent to the engine holding the
fewest, keeping ``--in-flight`` of them running.

    python python/bench/engine_loop_ab.py .models/tiny-random/Qwen/Qwen2.5-VL-7B-Instruct --engines 6
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import frontend_steps  # noqa: E402 - the same engine settings and child-CPU reading


def run(streams, in_flight, total, params):
    """Sends ``total`` requests keeping ``in_flight`` running; returns wall s, CPU ms per request
    of this process and of the engine cores."""
    held = [0] * len(streams)
    sent = finished = 0
    wall0, cpu0, cores0 = time.perf_counter(), time.process_time(), frontend_steps.children_cpu()

    def send():
        nonlocal sent
        i = min(range(len(streams)), key=lambda j: held[j])
        held[i] += 1
        streams[i].submit(sent, {"prompt": "Describe the video in detail."}, params)
        sent += 1

    while sent < min(in_flight, total):
        send()
    while finished < total:
        answered = False
        for i, engine_stream in enumerate(streams):
            for answer in engine_stream.take():
                if answer["failure"] is not None:
                    raise RuntimeError(f"request {answer['id']} failed: {answer['failure']}")
                held[i] -= 1
                finished += 1
                answered = True
                if sent < total:
                    send()
        if not answered:
            time.sleep(0.005)
    return (time.perf_counter() - wall0, 1e3 * (time.process_time() - cpu0) / total,
            1e3 * (frontend_steps.children_cpu() - cores0) / total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--engines", type=int, default=1)
    ap.add_argument("--in-flight", type=int, default=6)
    ap.add_argument("--requests", type=int, default=18)
    ap.add_argument("--step-ms", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    import vllm
    from vllm import SamplingParams
    from vllm.v1.metrics.loggers import PrometheusStatLogger

    from qwenvl_bridge import stream, vllm_api

    llms = [frontend_steps.engine(args.model, log_stats=True) for _ in range(args.engines)]
    loggers = [list(llm.llm_engine.logger_manager.stat_loggers) for llm in llms]
    params = SamplingParams(temperature=0.1, top_p=0.001, repetition_penalty=1.05, max_tokens=512, seed=0,
                            ignore_eos=True)
    gather_s = stream.OUTPUT_GATHER_S
    print(f"vllm {vllm.__version__}, {args.engines} engine(s), {args.in_flight} requests in flight, "
          f"{args.step_ms} ms per step; load average at start: {os.getloadavg()}", flush=True)
    for llm in llms:
        llm.collective_rpc("qwenvl_instant_step_ms", args=(args.step_ms,))
    for round_no in range(args.rounds):
        for variant in ("before", "after"):
            for llm, kept in zip(llms, loggers):
                llm.llm_engine.logger_manager.stat_loggers = list(kept)
                if variant == "after":
                    vllm_api.drop_prometheus_logger(llm)
            stream.OUTPUT_GATHER_S = gather_s if variant == "after" else 0.0
            streams = [stream.EngineStream(1000 + i, llm, None, lambda item: item).start()
                       for i, llm in enumerate(llms)]
            try:
                wall, this_cpu, core_cpu = run(streams, args.in_flight, args.requests, params)
            finally:
                for engine_stream in streams:
                    engine_stream.stop()
            steps, wakes = sum(s.steps for s in streams), sum(s.wakes for s in streams)
            print(f"round {round_no} {variant}: {args.requests} requests in {wall:.1f} s; CPU per request: "
                  f"this process {this_cpu:.0f} ms, engine cores {core_cpu:.0f} ms; "
                  f"{steps / max(1, wakes):.1f} steps per wake-up", flush=True)
    for llm in llms:
        llm.llm_engine.engine_core.shutdown()
    print(f"load average at end: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
