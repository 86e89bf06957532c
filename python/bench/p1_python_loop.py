"""P1, Python side: the QwenVL generate loop written in plain Python against the stand-in vllm.

Same workload as the Java benchmark (the JSON file BenchSuite writes from the same Java
definition: prompts, engine and sampling arguments, batch size, frame shape), same videos
((4, 28, 28, 3) uint8 zeros whose first byte is i % 256, made once), same chunking, and the same
measuring scheme as JMH's: 3 warm-up iterations and 5 measured iterations of about one second,
each scored as its average time per loop; the result is the median of the measured scores. The
stand-in's records are cleared before each iteration, as on the Java side.

    python p1_python_loop.py --standin src/test/python --workload target/bench/p1-workload.json

Prints one JSON object: {"median_ms": ..., "iterations_ms": [...], "loops": ...}.
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standin", required=True, help="folder holding the stand-in vllm package")
    parser.add_argument("--workload", required=True, help="JSON file written by BenchSuite")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one iteration")
    args = parser.parse_args(argv)

    sys.path.insert(0, args.standin)
    import vllm  # the stand-in

    with open(args.workload, encoding="utf-8") as f:
        work = json.load(f)
    prompts = work["prompts"]
    batch = int(work["batch_size"])
    shape = tuple(work["frame_shape"])
    processor_kwargs = work["processor_kwargs"]
    sampling_kwargs = work["sampling_kwargs"]
    videos = []
    for i in range(len(prompts)):
        video = np.zeros(shape, dtype=np.uint8)
        video.flat[0] = i % 256
        videos.append(video)
    llm = vllm.LLM(**work["engine_kwargs"])

    def caption_all():
        captions = []
        for start in range(0, len(prompts), batch):
            params = vllm.SamplingParams(**sampling_kwargs)
            inputs = [
                {"prompt": p, "multi_modal_data": {"video": v}, "mm_processor_kwargs": dict(processor_kwargs)}
                for p, v in zip(prompts[start:start + batch], videos[start:start + batch])
            ]
            outputs = llm.generate(inputs, sampling_params=params, use_tqdm=False)
            captions.extend(out.outputs[0].text for out in outputs)
        return captions

    if len(caption_all()) != len(prompts):
        raise SystemExit("the stand-in did not answer every prompt")

    def iteration():
        vllm.reset()
        loops = 0
        start = time.perf_counter()
        deadline = start + args.seconds
        while True:
            caption_all()
            loops += 1
            now = time.perf_counter()
            if now >= deadline:
                return (now - start) * 1000.0 / loops, loops

    for _ in range(args.warmup):
        iteration()
    scores, total = [], 0
    for _ in range(args.iterations):
        score, loops = iteration()
        scores.append(score)
        total += loops
    print(json.dumps({"median_ms": statistics.median(scores), "iterations_ms": scores, "loops": total}))


if __name__ == "__main__":
    main()
