"""Model weights on disk: the parts of :mod:`qwenvl_bridge.download`, one job each.

- :mod:`.errors`: :class:`~.errors.DownloadError` and its reasons (no third-party import).
- :mod:`.hub`: the hub client (settings from arguments and environment, listing a commit,
  running huggingface_hub's ``snapshot_download``).
- :mod:`.files`: what is on disk (the manifest, verification against a listing, disk space,
  cleaning up stale and wrong-size files).
- :mod:`.lock`: one download per directory at a time (threads and processes).
- :mod:`.progress`: progress counting, logging and the caller's callback, on the caller's thread.
- :mod:`.failures`: huggingface_hub, network and OS exceptions turned into ``DownloadError``.
"""
