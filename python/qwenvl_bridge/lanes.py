"""Decode lanes: work that runs mostly without the GIL (FFmpeg's demux, decode and swscale) on a
Python thread of its own, behind a ticket, so that the one interpreter thread Java talks to only
starts it and collects it (the start-then-poll pattern of ``engine.start_create``).

* :func:`start` runs ``work(cancelled)`` on a new daemon thread named ``qwenvl-decode-<ticket>``
  and returns the ticket at once; ``cancelled`` is a :class:`threading.Event` the work checks
  between frames.
* :func:`finished` answers ``None`` while the work runs, then its result once (and forgets the
  ticket), or raises the work's own exception.
* :func:`cancel` asks the work to stop, and hands a result that is no longer wanted to its
  ``discard`` function (prepared frames are released), whether the work already ended or ends
  later. The ticket is forgotten.

How many lanes run at once is the caller's business (Java starts at most ``decodeThreads``
videos at a time); each job is one thread that ends with its work, so nothing is left running
once every ticket was collected or cancelled and its work saw the cancel. Thread-safe.
"""

import itertools
import logging
import threading

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside the work when its ticket was cancelled (nobody collects it)."""


class _Job:
    __slots__ = ("thread", "cancelled", "done", "result", "error", "discard", "wanted")

    def __init__(self, discard):
        self.thread = None
        self.cancelled = threading.Event()
        self.done = False
        self.result = None
        self.error = None
        self.discard = discard
        self.wanted = True


_lock = threading.Lock()
_jobs = {}
_tickets = itertools.count(1)


def start(work, discard=None):
    """Runs ``work(cancelled)`` on a lane thread; returns its ticket (a positive int).

    ``discard(result)`` is called with a result that nobody will collect (its ticket was
    cancelled), on whichever thread sees it last."""
    job = _Job(discard)
    with _lock:
        ticket = next(_tickets)
        _jobs[ticket] = job

    def run():
        try:
            result, error = work(job.cancelled), None
        except BaseException as e:  # noqa: BLE001 - handed to the collector by finished()
            result, error = None, e
        with _lock:
            job.result, job.error, job.done = result, error, True
            orphan = not job.wanted
        if orphan:
            _discard(job)

    job.thread = threading.Thread(target=run, name=f"qwenvl-decode-{ticket}", daemon=True)
    job.thread.start()
    return ticket


def finished(ticket):
    """``None`` while the work of ``ticket`` runs; then its result (once), or its exception raised."""
    with _lock:
        job = _jobs.get(int(ticket))
        if job is None:
            raise KeyError(f"no decode lane holds ticket {ticket}: it was collected or cancelled already")
        if not job.done:
            return None
        del _jobs[int(ticket)]
    if job.error is not None:
        raise job.error
    return job.result


def cancel(ticket):
    """Stops the work of ``ticket`` (at its next check) and drops its result; unknown tickets are
    ignored. Returns True when the work had ended already."""
    with _lock:
        job = _jobs.pop(int(ticket), None)
        if job is None:
            return True
        job.wanted = False
        job.cancelled.set()
        ended = job.done
    if ended:
        _discard(job)
    return ended


def _discard(job):
    if job.error is None and job.result is not None and job.discard is not None:
        try:
            job.discard(job.result)
        except Exception:  # noqa: BLE001 - dropping an unwanted result must not fail the caller
            log.exception("dropping a cancelled decode's result failed")


def pending():
    """Tickets not yet collected or cancelled."""
    with _lock:
        return len(_jobs)


def running_threads():
    """Names of the lane threads alive now (a lane whose work ended is gone)."""
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("qwenvl-decode-"))
