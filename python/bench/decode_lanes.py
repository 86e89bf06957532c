"""Decode-only windows/s with 1 and K decode lanes, measured in one run (prints, never fails).

Each video goes through what Java's stream does on a lane: ``inputs.start_probe`` and
``inputs.start_prepare`` (PyAV decode and swscale resize on a lane thread), collected by polling
``inputs.finished`` from one thread (Java's interpreter thread), with FFmpeg given
``max(1, cores // lanes)`` threads per decode (``DecodeLane.codecThreads``). Windows are planned about as
Java's ``Windowing`` does with the defaults (256 source frames a window, a remainder under 128
joins the last one, 2 frames sampled per second).

    python python/bench/decode_lanes.py --clips DIR [--lanes 1,2,1,2] [--videos 20]

Each entry of ``--lanes`` is one timed pass (repeat entries to interleave them on a busy machine);
the ratio is of the summed windows/s per lane count. Process CPU seconds per window and the load
average are printed beside each pass: on a shared machine the wall figures move with the load.

``--clips`` is a folder of clips (e.g. written by ``qwenvl_bridge.benchmark.write_clips``: 20 s,
640x360, 30 fps gives 2 windows a clip); fewer clips than ``--videos`` are reused in turn.
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from qwenvl_bridge import handles, inputs  # noqa: E402


def plan_windows(frame_count, fps, window=256, min_remainder=128, sampling_fps=2.0, min_sampled=4, max_sampled=768):
    """About Java's ``Windowing.plan`` with the defaults: per window, the sampled source frame
    indices (evenly spaced; the counts match Java's for these clips, the exact positions need not)."""
    bounds, start = [], 0
    while frame_count - start >= window:
        bounds.append([start, start + window])
        start += window
    rest = frame_count - start
    if rest:
        if rest >= min_remainder or not bounds:
            bounds.append([start, frame_count])
        else:
            bounds[-1][1] = frame_count
    out = []
    for first, end in bounds:
        count = end - first
        n = int(round(count / fps * sampling_fps))
        n = max(min_sampled, min(max_sampled, n + n % 2))
        out.append([first + (i * count) // n for i in range(n)])
    return out


def run(paths, lanes, cores, family="qwen2.5", threads=0):
    """Decodes every path on ``lanes`` lanes (``threads`` FFmpeg threads each; 0: the lanes' rule,
    ``max(1, cores // lanes)``); returns (seconds, windows)."""
    threads = threads or max(1, cores // lanes)
    todo = list(paths)
    active = {}  # ticket -> (kind, path)
    windows = 0
    start = time.perf_counter()
    while todo or active:
        while todo and len(active) < lanes:
            path = todo.pop(0)
            active[inputs.start_probe("path", path, path)] = ("probe", path)
        for ticket, (kind, path) in list(active.items()):
            answer = inputs.finished(ticket)
            if answer is None:
                continue
            del active[ticket]
            if kind == "probe":
                plan = plan_windows(answer["frame_count"], answer["fps"])
                active[inputs.start_prepare("path", path, path, plan, False, family, threads)] = ("prepare", path)
            else:
                windows += len(answer["handles"])
                handles.release(answer["handles"])
        time.sleep(0.002)
    return time.perf_counter() - start, windows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", required=True)
    parser.add_argument("--lanes", default="1,2")
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--ffmpeg-threads", type=int, default=0,
                        help="FFmpeg threads per decode for every pass (default: max(1, cores // lanes))")
    args = parser.parse_args()
    clips = sorted(os.path.join(args.clips, f) for f in os.listdir(args.clips) if f.endswith(".mp4"))
    paths = [clips[i % len(clips)] for i in range(args.videos)]
    run(paths[:1], 1, args.cores)  # warm up: imports, codec tables
    totals = {}
    for lanes in [int(x) for x in args.lanes.split(",")]:
        cpu = time.process_time()
        seconds, windows = run(paths, lanes, args.cores, threads=args.ffmpeg_threads)
        cpu = time.process_time() - cpu
        seconds_sum, windows_sum = totals.get(lanes, (0.0, 0))
        totals[lanes] = (seconds_sum + seconds, windows_sum + windows)
        print(f"lanes={lanes} ffmpeg_threads={args.ffmpeg_threads or max(1, args.cores // lanes)} videos={len(paths)} windows={windows} "
              f"seconds={seconds:.2f} windows/s={windows / seconds:.2f} cpu_s/window={cpu / windows:.3f} "
              f"load={os.getloadavg()[0]:.1f}", flush=True)
    rates = {k: w / s for k, (s, w) in totals.items()}
    base = rates.get(1)
    for lanes, rate in rates.items():
        print(f"lanes={lanes}: {rate:.2f} windows/s over all its passes")
        if base and lanes != 1:
            print(f"{lanes} lanes / 1 lane = {rate / base:.2f}")
    print(f"lane threads left: {threading.active_count() - 1}")


if __name__ == "__main__":
    main()
