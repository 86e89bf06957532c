"""One download per directory at a time: the directory and its lock file (threads and processes)."""

from __future__ import annotations

import errno
import logging
import os
from contextlib import contextmanager
from typing import Iterator

import filelock

from .errors import DownloadError, Reason
from .files import MANIFEST_NAME, STATE_DIR

log = logging.getLogger("qwenvl_bridge.download")  # one logger for the whole download (users configure it)

_LOCK_NAME = "download.lock"


def make_dir(local_dir: str, model_id: str, revision: str) -> None:
    try:
        os.makedirs(local_dir, exist_ok=True)
    except OSError as e:
        raise DownloadError(
            Reason.DISK_FULL if e.errno in (errno.ENOSPC, errno.EDQUOT) else Reason.LOCAL_IO,
            f"cannot create {local_dir} for {model_id} at {revision} ({e}): make model_dir writable or choose "
            f"another one",
            model_id=model_id,
            revision=revision,
        ) from e


@contextmanager
def exclusive(local_dir: str, model_id: str, revision: str) -> Iterator[None]:
    """Hold ``<local_dir>/.cache/qwenvl/download.lock`` (threads and processes, also over NFS as far as flock goes)."""
    state_dir = os.path.join(local_dir, STATE_DIR)
    lock = filelock.FileLock(os.path.join(state_dir, _LOCK_NAME))
    try:
        os.makedirs(state_dir, exist_ok=True)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            log.info("another download of %s at %s into %s is running: waiting for it", model_id, revision, local_dir)
            lock.acquire()
    except OSError as e:
        raise DownloadError(
            Reason.LOCAL_IO,
            f"cannot create the download lock in {state_dir} for {model_id} at {revision} ({e}): make {local_dir} "
            f"writable, or if it holds weights copied by hand, copy their {STATE_DIR}/{MANIFEST_NAME} too",
            model_id=model_id,
            revision=revision,
        ) from e
    try:
        yield
    finally:
        lock.release()
