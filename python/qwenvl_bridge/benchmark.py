"""Helpers of the machine benchmark (``dev.qwenvl.benchmark``): synthetic clips to caption."""

import os

import numpy as np

from . import engines, instant_core


def write_clips(folder, count, seconds, fps=30, width=640, height=360, seed=0):
    """Writes ``count`` H.264 clips of ``seconds`` each (moving gradients with noise, so the frames
    are neither flat nor constant) into ``folder``; returns their paths in order."""
    import av

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(int(seed))
    frames = max(1, int(round(float(seconds) * int(fps))))
    ys, xs = np.mgrid[0:int(height), 0:int(width)]
    paths = []
    for c in range(int(count)):
        path = os.path.join(folder, f"clip{c:03d}.mp4")
        with av.open(path, "w") as container:
            stream = container.add_stream("libx264", rate=int(fps))
            stream.width, stream.height, stream.pix_fmt = int(width), int(height), "yuv420p"
            for i in range(frames):
                shift = (i * (3 + c)) % 256
                image = np.empty((int(height), int(width), 3), dtype=np.uint8)
                image[..., 0] = (xs + shift) % 256
                image[..., 1] = (ys + 2 * shift) % 256
                image[..., 2] = (xs + ys + c * 40) % 256
                image ^= rng.integers(0, 32, size=image.shape, dtype=np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        paths.append(path)
    return paths


def python_cpu_seconds():
    """CPU seconds used so far by each live Python thread of this interpreter (the calling
    thread, which is the runtime's interpreter thread, engine loops, decode lanes, ...), by native
    thread id: ``{tid: seconds}``. The feed benchmark takes one reading before and one after a
    phase; a thread that ended in between is not counted. A Python thread's CPU time is its
    GIL-held time plus what it runs with the GIL released (FFmpeg, tokenizers, copies): an upper
    bound of the GIL time it took."""
    import threading
    import time

    out = {}
    threading.current_thread()  # registers the calling (JEP) thread, which Python did not start
    for thread in threading.enumerate():
        ident = getattr(thread, "ident", None)
        native = getattr(thread, "native_id", None)
        if ident is None or native is None:
            continue
        try:
            clock = time.pthread_getcpuclockid(ident)
            out[int(native)] = time.clock_gettime(clock)
        except (OSError, ValueError, AttributeError):  # the thread just ended
            continue
    return out


def set_instant_step_ms(engine_id, step_ms):
    """Sets how long each step of engine ``engine_id``'s instant core sleeps (milliseconds; see
    :mod:`qwenvl_bridge.instant_core`). Call it while the engine holds no request: the call goes
    to the engine-core process through vLLM's ``collective_rpc``. Returns what the core answered."""
    answers = engines.llm(engine_id).collective_rpc(instant_core.STEP_MS_RPC, args=(float(step_ms),))
    return [float(a) for a in answers]
