"""Download a model snapshot at a pinned revision into ``model_dir/<model_id>``.

The one entry point is :func:`download_weights`. It fetches with huggingface_hub's
``snapshot_download`` (resumable HTTP, parallel files, ``HF_ENDPOINT`` mirrors) and adds what
that function does not give a library embedded in a JVM:

- **A no-network skip.** After a download is verified, a manifest (model id, revision, commit
  sha, every file with its size) is written atomically to
  ``<local_dir>/.cache/qwenvl/manifest.json``. A rerun for the same model and revision whose
  files are all present with the listed sizes returns at once and makes no request at all,
  so nodes without network start from weights copied in by hand (with the manifest).
- **Completeness, not presence.** Every file of the listing must exist with the right size.
  Files that exist with a wrong size are removed before downloading again, because
  huggingface_hub keeps a local file whose recorded commit matches without checking its size.
- **Typed errors.** Everything that can go wrong is raised as :class:`DownloadError` with a
  ``reason`` (see :class:`Reason`) and a message naming the model, the revision, and the fix.
- **Progress through logging**, plus an optional ``progress(done_bytes, total_bytes)`` callback,
  both on the calling thread (JEP-safe); huggingface_hub's tqdm bars are drawn only when
  stderr is a terminal.

Settings: explicit arguments win; otherwise ``HF_ENDPOINT``, ``HF_TOKEN`` (then the token file
``$HF_TOKEN_PATH`` or ``$HF_HOME/token``) and ``HF_HUB_CACHE``/``HF_HOME`` are read from the
environment at call time (not at import time, as huggingface_hub itself does).

The work is split by job in :mod:`qwenvl_bridge.weights` (hub client, files on disk, locking,
progress, error translation); this module holds the entry points and the order of the steps.
"""

from __future__ import annotations

import logging
import os

from .weights.errors import DownloadError, Reason
from .weights.failures import translate_error
from .weights.files import (
    ensure_disk_space,
    read_manifest,
    remove_stale_partials,
    remove_wrong_size_files,
    summary,
    summary_if_complete,
    verify,
    write_manifest,
)
from .weights.hub import Settings, fetch_listing, resolve_settings, run_snapshot_download
from .weights.listing import Listing
from .weights.lock import exclusive, make_dir
from .weights.progress import ProgressCallback

__all__ = [
    "DownloadError",
    "Reason",
    "Settings",
    "download_weights",
    "download_for_java",
    "local_dir_for",
    "read_manifest",
    "resolve_settings",
    "translate_error",
]

log = logging.getLogger(__name__)


def download_weights(
    model_id: str,
    revision: str,
    model_dir: str,
    token: str | None = None,
    endpoint: str | None = None,
    progress: ProgressCallback | None = None,
) -> dict:
    """Make ``model_dir/<model_id>`` hold the complete snapshot of ``model_id`` at ``revision``.

    Returns ``{"path", "model_id", "revision", "commit", "files", "bytes", "skipped"}``:
    ``files`` is the number of files, ``bytes`` their total size, ``skipped`` is True when the
    snapshot was already complete and nothing was requested from the network.

    ``progress``, if given, is called as ``progress(done_bytes, total_bytes)`` about twice a
    second while bytes arrive, always on the calling thread; ``total_bytes`` is the whole
    snapshot and ``done_bytes`` counts files already complete before the call as done. It ends
    with ``done_bytes == total_bytes``. It is not called when the download is skipped.

    Safe to call again after an interruption: complete files are kept, missing or truncated
    ones are fetched again. Concurrent calls for the same directory (threads or processes on
    a shared file system) wait for each other through a lock file.

    Raises :class:`DownloadError` for every expected failure (see :class:`Reason`).
    """
    local_dir = local_dir_for(model_dir, model_id, revision)
    skipped = summary_if_complete(local_dir, model_id, revision)
    if skipped is not None:
        return skipped
    settings = resolve_settings(token=token, endpoint=endpoint)
    make_dir(local_dir, model_id, revision)
    with exclusive(local_dir, model_id, revision):
        skipped = summary_if_complete(local_dir, model_id, revision)  # another process may have finished
        if skipped is not None:
            return skipped
        return _download_locked(model_id, revision, local_dir, settings, progress)


def download_for_java(
    model_id: str,
    revision: str,
    model_dir: str,
    token: str | None = None,
    endpoint: str | None = None,
    progress_sink=None,
) -> dict:
    """:func:`download_weights` as Java calls it: empty strings mean "not given", and progress
    goes to ``progress_sink``, any object with a ``report(done_bytes, total_bytes)`` method (a Java
    object through JEP), called on the calling thread.

    Returns :func:`download_weights`' dict; raises :class:`DownloadError` (a
    :class:`~qwenvl_bridge.errors.BridgeError`, which Java maps to ``WeightsDownloadException``)
    like it.
    """
    progress = None
    if progress_sink is not None:
        def progress(done: int, total: int) -> None:
            progress_sink.report(int(done), int(total))
    return download_weights(model_id, revision, model_dir, token=token or None, endpoint=endpoint or None,
                            progress=progress)


def local_dir_for(model_dir: str, model_id: str, revision: str) -> str:
    """``model_dir/<model_id>`` as an absolute path; rejects ids that would escape model_dir."""
    parts = model_id.split("/")
    if not model_id or len(parts) > 2 or any(p in ("", ".", "..") for p in parts) or "\\" in model_id:
        raise DownloadError(
            Reason.BAD_ARGUMENT,
            f"invalid model id {model_id!r}: expected 'name' or 'namespace/name', e.g. 'Qwen/Qwen2.5-VL-7B-Instruct'",
            model_id=model_id,
            revision=revision,
        )
    if not revision:
        raise DownloadError(
            Reason.BAD_ARGUMENT,
            f"no revision given for {model_id}: pin a commit sha (e.g. 'cc59489') so every node gets the same weights",
            model_id=model_id,
            revision=revision,
        )
    return os.path.abspath(os.path.join(model_dir, *parts))


def _download_locked(
    model_id: str, revision: str, local_dir: str, settings: Settings, progress: ProgressCallback | None
) -> dict:
    """List, clean, check space, download, verify, write the manifest; the caller holds the lock."""
    listing: Listing | None = None
    try:
        listing = fetch_listing(model_id, revision, settings)
        remove_stale_partials(local_dir)
        remove_wrong_size_files(local_dir, listing)
        ensure_disk_space(local_dir, listing, model_id, revision)
        run_snapshot_download(model_id, local_dir, settings, listing, progress)
    except DownloadError:
        raise
    except Exception as e:  # noqa: BLE001 - translated or re-raised unchanged below
        translated = translate_error(e, model_id, revision, settings, local_dir, listing)
        if translated is None:
            raise
        raise translated from e
    verify(local_dir, listing, model_id, revision)
    write_manifest(local_dir, model_id, revision, listing)
    log.info("downloaded %s at %s (commit %s, %d files, %d bytes) into %s",
             model_id, revision, listing.commit, len(listing.files), listing.total_bytes, local_dir)
    return summary(local_dir, model_id, revision, listing, skipped=False)
