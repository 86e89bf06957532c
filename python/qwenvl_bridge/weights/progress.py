"""Progress of a download: bytes counted from huggingface_hub's byte bar (any thread), logged
every 10 % and handed to the caller's callback on the caller's thread (what JEP needs)."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Callable

from huggingface_hub.utils import tqdm as hf_tqdm

log = logging.getLogger("qwenvl_bridge.download")  # one logger for the whole download (users configure it)

_PROGRESS_POLL_S = 0.5

ProgressCallback = Callable[[int, int], None]


def call_while_reporting(fn: Callable[[], object], reporter: "ProgressReporter") -> None:
    """Run ``fn`` on a worker thread; meanwhile report progress from this thread; re-raise what ``fn`` raised."""
    failure: list[BaseException] = []

    def work() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            failure.append(e)

    worker = threading.Thread(target=work, name="qwenvl-download", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(_PROGRESS_POLL_S)
        reporter.report()
    if failure:
        raise failure[0]


class ProgressReporter:
    """Counts bytes written (any thread); logs every 10 % and calls the callback when asked (one thread)."""

    def __init__(self, model_id: str, total: int, already: int, callback: ProgressCallback | None):
        self._model_id = model_id
        self._total = total
        self._done = already
        self._callback = callback
        self._lock = threading.Lock()
        self._reported = -1
        self._logged_decile = self._decile(already)

    def add(self, n: int) -> None:
        """Count ``n`` more bytes (negative when huggingface_hub restarts a file); safe from any thread."""
        with self._lock:
            self._done = min(max(self._done + int(n), 0), self._total)

    def report(self) -> None:
        """Log and call the callback if the count moved since the last report."""
        with self._lock:
            done = self._done
        if done == self._reported:
            return
        self._reported = done
        decile = self._decile(done)
        if decile > self._logged_decile:
            self._logged_decile = decile
            log.info("%s: %d%% (%d of %d bytes)", self._model_id, decile * 10, done, self._total)
        self._notify(done)

    def finish(self) -> None:
        """Report completion (files already complete before this run are counted as done from the start)."""
        with self._lock:
            self._done = self._total
        self.report()

    def _decile(self, done: int) -> int:
        return 10 if self._total <= 0 else (done * 10) // self._total

    def _notify(self, done: int) -> None:
        if self._callback is None:
            return
        try:
            self._callback(done, self._total)
        except Exception:  # noqa: BLE001 - a faulty callback must not break the download
            log.exception("progress callback failed: no more progress calls for %s, the download goes on",
                          self._model_id)
            self._callback = None


# huggingface_hub names the bar that aggregates bytes written across all files this way.
_BYTES_BAR_NAME = "huggingface_hub.snapshot_download"


def bar_class(reporter: ProgressReporter) -> type:
    """A tqdm class for snapshot_download: feeds the byte bar into ``reporter``; draws only on a terminal."""
    draw = _stderr_is_terminal()

    class _Bar(hf_tqdm):
        def __init__(self, *args, **kwargs):
            self._reports = kwargs.get("name") == _BYTES_BAR_NAME
            if not draw:
                kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if self._reports and n:
                reporter.add(n)
            return super().update(n)

    return _Bar


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)  # JEP's redirected stderr may lack it
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False
