"""Video input, one job per module; :mod:`qwenvl_bridge.video` is the public face.

- :mod:`.errors`: :class:`~.errors.VideoError` and its reasons.
- :mod:`.container`: opening a path or in-memory bytes with PyAV, the video stream, rotation and
  aspect checks.
- :mod:`.probing`: frame count, average rate and size without keeping frames.
- :mod:`.resizing`: the model family's frame size and swscale bicubic resizing.
- :mod:`.sampling`: the sampled frames of each window, decoded once (a container) or selected (frames
  already in memory).
"""
