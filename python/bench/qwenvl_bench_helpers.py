"""Python-side helpers of the Java benchmarks (imported inside the JVM's interpreter): P1, P2, P5.

``receive`` is the whole Python-side work of a hand-off: it checks that a numpy uint8 array
arrived and reads its last byte (so the memory is really there), then returns its size in bytes.
"""

import numpy as np


def receive(frames):
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        raise TypeError(f"expected a uint8 numpy array, got {type(frames).__name__}")
    _ = int(frames.reshape(-1)[-1])
    return frames.nbytes


def owns_data(frames):
    """True when numpy owns (copied) the memory, False when it is a view of someone else's."""
    return bool(frames.flags["OWNDATA"])


def live_objects():
    """Objects the garbage collector tracks after a collection (P5 leak check)."""
    import gc

    gc.collect()
    return len(gc.get_objects())


def nothing():
    """P1 diagnosis: an empty call."""
    return None


def accept(engine_id, prompts, videos, processor_kwargs, sampling_kwargs):
    """P1 diagnosis: takes one chunk's arguments (already converted by the bridge) and drops them."""
    return len(prompts)
