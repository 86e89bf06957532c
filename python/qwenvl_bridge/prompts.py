"""vLLM prompt dicts from Java's values: one prompt with one video each.

:data:`DEFAULT_FPS` is the Python half's one copy of the library's default sampling rate (Java's
``WindowingConfig.DEFAULT_SAMPLING_FPS``; ``WindowingConfigTest`` ties the two). Java always
sends a window's rate; the default applies only to a request that names none.
"""

from . import handles

#: Sampling rate assumed for a video whose request names none (the library's default rate).
DEFAULT_FPS = 2.0


def video(value):
    """A numpy array as is; an integer is a handle of frames decoded on the Python side."""
    if isinstance(value, int):
        return handles.get(value)
    return value


def video_metadata(frames, fps):
    """The metadata vLLM's Qwen-VL processors read with a video: the frames are already sampled
    (so vLLM must not sample again), ``fps`` is the rate of the sampled frames, which sets the
    model's time positions (``second_per_grid_ts`` for Qwen2.5-VL)."""
    count = int(frames.shape[0])
    return {
        "fps": float(fps),
        "duration": count / float(fps),
        "total_num_frames": count,
        "frames_indices": list(range(count)),
        "video_backend": "qwenvl-jep",
        "do_sample_frames": False,
    }


def build_inputs(prompts, videos, fps, extra_kwargs=None):
    """vLLM prompt dicts: one prompt with one video each, plus per-request processor kwargs.

    A video travels as ``(frames, metadata)`` (vLLM >= 0.11 requires metadata for Qwen-VL
    videos); the metadata's fps is the request's sampling rate (``fps[i]``; None means
    :data:`DEFAULT_FPS`), which also goes to the processor as its ``fps`` argument.
    ``extra_kwargs`` is None or one dict per request of further processor arguments.
    """
    prompts, videos = list(prompts), list(videos)
    fps = list(fps) if fps is not None else [None] * len(prompts)
    extra_kwargs = list(extra_kwargs) if extra_kwargs is not None else [None] * len(prompts)
    if not (len(prompts) == len(videos) == len(fps) == len(extra_kwargs)):
        raise ValueError(
            f"prompts, videos, fps and processor kwargs differ in length: "
            f"{len(prompts)}, {len(videos)}, {len(fps)}, {len(extra_kwargs)}"
        )
    inputs = []
    for prompt, value, rate, extra in zip(prompts, videos, fps, extra_kwargs):
        frames = video(value)
        kwargs = dict(extra) if extra else {}
        if rate is not None:  # None: no rate given
            kwargs["fps"] = float(rate)
        metadata = video_metadata(frames, kwargs.get("fps", DEFAULT_FPS))
        item = {"prompt": prompt, "multi_modal_data": {"video": (frames, metadata)}}
        if kwargs:
            item["mm_processor_kwargs"] = kwargs
        inputs.append(item)
    return inputs
