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
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import filelock
import httpx2
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile
from huggingface_hub.utils import tqdm as hf_tqdm

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
MANIFEST_FORMAT = 1
_STATE_DIR = os.path.join(".cache", "qwenvl")
_MANIFEST_NAME = "manifest.json"
_LOCK_NAME = "download.lock"
_LISTING_TIMEOUT_S = 10.0
_PROGRESS_POLL_S = 0.5

ProgressCallback = Callable[[int, int], None]


class Reason:
    """The values :attr:`DownloadError.reason` takes (plain strings, easy to map from Java)."""

    GATED_NEEDS_TOKEN = "GATED_NEEDS_TOKEN"  # gated model, no token given
    GATED_ACCESS_DENIED = "GATED_ACCESS_DENIED"  # gated model, token given but refused
    UNKNOWN_REVISION = "UNKNOWN_REVISION"
    REPO_NOT_FOUND = "REPO_NOT_FOUND"  # no such repo, or private and the token cannot see it
    NETWORK = "NETWORK"  # endpoint unreachable, connection lost, or HF_HUB_OFFLINE set
    DISK_FULL = "DISK_FULL"
    LOCAL_IO = "LOCAL_IO"  # cannot write into model_dir (permissions, read-only fs, ...)
    HUB_ERROR = "HUB_ERROR"  # the hub answered with an unexpected HTTP error (5xx, ...)
    INCOMPLETE = "INCOMPLETE"  # download finished but files do not match the listing
    BAD_ARGUMENT = "BAD_ARGUMENT"


class DownloadError(Exception):
    """A download failed; ``reason`` says why (a :class:`Reason` value), the message says how to fix it."""

    def __init__(self, reason: str, message: str, *, model_id: str, revision: str):
        super().__init__(message)
        self.reason = reason
        self.model_id = model_id
        self.revision = revision


@dataclass(frozen=True)
class RemoteFile:
    """One file of a snapshot: its path in the repo and its size in bytes."""

    path: str
    size: int


@dataclass(frozen=True)
class Listing:
    """The files of a repo at one commit."""

    commit: str
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class Settings:
    """Where to download from and with which credentials, after arguments and environment are merged."""

    endpoint: str
    token: str | None
    cache_dir: str


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
    skipped = _summary_if_complete(local_dir, model_id, revision)
    if skipped is not None:
        return skipped
    settings = resolve_settings(token=token, endpoint=endpoint)
    _make_dir(local_dir, model_id, revision)
    with _exclusive(local_dir, model_id, revision):
        skipped = _summary_if_complete(local_dir, model_id, revision)  # another process may have finished
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
    """:func:`download_weights` for a caller that cannot catch Python exceptions by type (Java).

    Returns ``{"summary": <download_weights' dict>}``, or ``{"error": {"reason", "message",
    "model_id", "revision"}}`` for a :class:`DownloadError`; other exceptions propagate.
    ``progress_sink``, if given, is any object with a ``report(done_bytes, total_bytes)`` method
    (a Java object through JEP); it is called on the calling thread.
    """
    progress = None
    if progress_sink is not None:
        def progress(done: int, total: int) -> None:
            progress_sink.report(int(done), int(total))
    try:
        return {"summary": download_weights(model_id, revision, model_dir, token=token or None,
                                            endpoint=endpoint or None, progress=progress)}
    except DownloadError as e:
        return {"error": {"reason": e.reason, "message": str(e), "model_id": e.model_id, "revision": e.revision}}


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


def resolve_settings(token: str | None = None, endpoint: str | None = None) -> Settings:
    """Merge explicit arguments with the environment, read now; explicit non-empty arguments win."""
    return Settings(
        endpoint=(endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        token=token or os.environ.get("HF_TOKEN") or _token_from_file(),
        cache_dir=_hub_cache_dir(),
    )


def read_manifest(local_dir: str) -> dict | None:
    """The manifest written after the last verified download in ``local_dir``, or None if absent or unreadable."""
    path = os.path.join(local_dir, _STATE_DIR, _MANIFEST_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("ignoring unreadable download manifest %s (%s); the snapshot will be checked online", path, e)
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None
    return manifest


def files_needing_download(local_dir: str, files: tuple[RemoteFile, ...]) -> list[RemoteFile]:
    """The files of ``files`` that are missing under ``local_dir`` or have another size."""
    return [f for f in files if _local_size(local_dir, f.path) != f.size]


# --- skip path (no network) -------------------------------------------------------------


def _summary_if_complete(local_dir: str, model_id: str, revision: str) -> dict | None:
    """The summary for a skipped download if the manifest matches and every file checks out, else None."""
    manifest = read_manifest(local_dir)
    if manifest is None or manifest.get("model_id") != model_id or manifest.get("revision") != revision:
        return None
    try:
        files = tuple(RemoteFile(path=p, size=int(s)) for p, s in manifest["files"].items())
        listing = Listing(commit=str(manifest["commit"]), files=files)
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("ignoring malformed download manifest in %s", local_dir)
        return None
    bad = files_needing_download(local_dir, listing.files)
    if bad:
        log.info(
            "%s at %s in %s is incomplete (%d of %d files missing or of the wrong size, e.g. %s): downloading again",
            model_id, revision, local_dir, len(bad), len(listing.files), bad[0].path,
        )
        return None
    log.info("%s at %s is already complete in %s (%d files): skipping download", model_id, revision, local_dir, len(files))
    return _summary(local_dir, model_id, revision, listing, skipped=True)


def _summary(local_dir: str, model_id: str, revision: str, listing: Listing, *, skipped: bool) -> dict:
    return {
        "path": local_dir,
        "model_id": model_id,
        "revision": revision,
        "commit": listing.commit,
        "files": len(listing.files),
        "bytes": listing.total_bytes,
        "skipped": skipped,
    }


# --- download path ----------------------------------------------------------------------


def _download_locked(
    model_id: str, revision: str, local_dir: str, settings: Settings, progress: ProgressCallback | None
) -> dict:
    """List, clean, check space, download, verify, write the manifest; the caller holds the lock."""
    listing: Listing | None = None
    try:
        listing = fetch_listing(model_id, revision, settings)
        remove_stale_partials(local_dir)
        _remove_wrong_size_files(local_dir, listing)
        _ensure_disk_space(local_dir, listing, model_id, revision)
        _run_snapshot_download(model_id, local_dir, settings, listing, progress)
    except DownloadError:
        raise
    except Exception as e:  # noqa: BLE001 - translated or re-raised unchanged below
        translated = translate_error(e, model_id, revision, settings, local_dir, listing)
        if translated is None:
            raise
        raise translated from e
    _verify(local_dir, listing, model_id, revision)
    _write_manifest(local_dir, model_id, revision, listing)
    log.info("downloaded %s at %s (commit %s, %d files, %d bytes) into %s",
             model_id, revision, listing.commit, len(listing.files), listing.total_bytes, local_dir)
    return _summary(local_dir, model_id, revision, listing, skipped=False)


def fetch_listing(model_id: str, revision: str, settings: Settings) -> Listing:
    """Resolve ``revision`` to a commit sha and list the repo's files at that commit (two requests).

    huggingface_hub exceptions propagate; :func:`translate_error` maps them.
    """
    api = HfApi(endpoint=settings.endpoint, token=settings.token or False)
    info = api.model_info(model_id, revision=revision, timeout=_LISTING_TIMEOUT_S)
    if not info.sha:
        raise DownloadError(
            Reason.HUB_ERROR,
            f"{settings.endpoint} gave no commit sha for {model_id} at revision {revision}: HF_ENDPOINT does not "
            f"behave like a Hugging Face hub; point it at the hub or a compatible mirror",
            model_id=model_id,
            revision=revision,
        )
    entries = api.list_repo_tree(model_id, revision=info.sha, recursive=True)
    files = tuple(RemoteFile(path=e.path, size=int(e.size)) for e in entries if isinstance(e, RepoFile))
    unsafe = [f.path for f in files if not is_safe_repo_path(f.path)]
    if unsafe:
        raise DownloadError(
            Reason.HUB_ERROR,
            f"{settings.endpoint} lists files for {model_id} at revision {revision} that would land outside the "
            f"model directory ({', '.join(map(repr, unsafe[:3]))}): refusing to download; check HF_ENDPOINT",
            model_id=model_id,
            revision=revision,
        )
    log.info("%s at %s is commit %s: %d files, %d bytes",
             model_id, revision, info.sha, len(files), sum(f.size for f in files))
    return Listing(commit=info.sha, files=files)


def is_safe_repo_path(path: str) -> bool:
    """True for a relative '/'-separated path with no empty, '.' or '..' part (it stays inside the model dir)."""
    parts = path.split("/")
    return bool(path) and "\\" not in path and not os.path.isabs(path) and all(p not in ("", ".", "..") for p in parts)


def _remove_wrong_size_files(local_dir: str, listing: Listing) -> None:
    """Delete local files whose size differs from the listing, so they are fetched again.

    huggingface_hub trusts a local file whose recorded commit matches, whatever its size.
    """
    for f in listing.files:
        size = _local_size(local_dir, f.path)
        if size is not None and size != f.size:
            log.warning("%s has %d bytes, expected %d: removing it to download it again", f.path, size, f.size)
            os.remove(_local_path(local_dir, f.path))


def remove_stale_partials(local_dir: str) -> int:
    """Delete partial files a killed earlier download left behind; returns the bytes freed.

    huggingface_hub 2.x writes each file to a uniquely named ``*.incomplete`` file under
    ``<local_dir>/.cache/huggingface/download/`` and never reuses it across runs (it resumes
    with Range only within one call). After a crash or kill those files would pile up, a whole
    weights shard each. Only call this while holding the download lock.
    """
    freed = 0
    for root, _dirs, names in os.walk(os.path.join(local_dir, ".cache", "huggingface", "download")):
        for name in names:
            if name.endswith(".incomplete"):
                path = os.path.join(root, name)
                try:
                    size = os.path.getsize(path)
                    os.remove(path)
                except OSError as e:
                    log.warning("could not remove the stale partial download %s: %s", path, e)
                    continue
                freed += size
    if freed:
        log.info("removed %d bytes of partial files left by an interrupted download in %s", freed, local_dir)
    return freed


def _ensure_disk_space(local_dir: str, listing: Listing, model_id: str, revision: str) -> None:
    """Fail early with DISK_FULL when the files still to download do not fit on the disk."""
    needed = sum(f.size for f in files_needing_download(local_dir, listing.files))
    free = free_bytes(local_dir)
    if needed > free:
        raise DownloadError(
            Reason.DISK_FULL,
            _disk_full_message(local_dir, model_id, revision, needed, free),
            model_id=model_id,
            revision=revision,
        )


def free_bytes(path: str) -> int:
    """Free bytes on the file system holding ``path``."""
    return shutil.disk_usage(path).free


def _run_snapshot_download(
    model_id: str, local_dir: str, settings: Settings, listing: Listing, progress: ProgressCallback | None
) -> None:
    """Let huggingface_hub fetch the commit into ``local_dir``, reporting progress as it goes.

    snapshot_download runs on a worker thread while this (the caller's) thread reports
    progress: the callback and our log lines always run on the thread that called
    download_weights, which is what an embedded interpreter (JEP) needs when the callback or
    the logging handler is a Java object.
    """
    already = listing.total_bytes - sum(f.size for f in files_needing_download(local_dir, listing.files))
    reporter = _ProgressReporter(model_id, listing.total_bytes, already, progress)
    log.info("downloading %s (commit %s) from %s into %s: %d of %d bytes already present",
             model_id, listing.commit, settings.endpoint, local_dir, already, listing.total_bytes)
    _call_while_reporting(
        lambda: snapshot_download(
            model_id,
            revision=listing.commit,  # the commit, not the name: the files cannot move under us
            local_dir=local_dir,
            cache_dir=settings.cache_dir,
            endpoint=settings.endpoint,
            token=settings.token or False,
            tqdm_class=_bar_class(reporter),
        ),
        reporter,
    )
    reporter.finish()


def _call_while_reporting(fn: Callable[[], object], reporter: "_ProgressReporter") -> None:
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


def _verify(local_dir: str, listing: Listing, model_id: str, revision: str) -> None:
    """Raise INCOMPLETE unless every listed file is present with its listed size."""
    bad = files_needing_download(local_dir, listing.files)
    if bad:
        names = ", ".join(f.path for f in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise DownloadError(
            Reason.INCOMPLETE,
            f"download of {model_id} at {revision} into {local_dir} ended with {len(bad)} file(s) missing or of the "
            f"wrong size ({names}): run the download again; if it persists, the mirror serves files that do not "
            f"match its own listing",
            model_id=model_id,
            revision=revision,
        )


def _write_manifest(local_dir: str, model_id: str, revision: str, listing: Listing) -> None:
    """Write the manifest atomically (temp file, fsync, rename): a reader sees the old one or the new one."""
    state_dir = os.path.join(local_dir, _STATE_DIR)
    os.makedirs(state_dir, exist_ok=True)
    manifest = {
        "format": MANIFEST_FORMAT,
        "model_id": model_id,
        "revision": revision,
        "commit": listing.commit,
        "files": {f.path: f.size for f in listing.files},
        "bytes": listing.total_bytes,
        "completed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=_MANIFEST_NAME, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(state_dir, _MANIFEST_NAME))
    except BaseException:
        _remove_quietly(tmp)
        raise


# --- error translation ------------------------------------------------------------------


def translate_error(
    error: BaseException,
    model_id: str,
    revision: str,
    settings: Settings,
    local_dir: str,
    listing: Listing | None = None,
) -> DownloadError | None:
    """Map an exception raised while listing or downloading to a DownloadError; None if it is not an expected failure.

    Looks through the whole ``__cause__``/``__context__`` chain, because huggingface_hub wraps
    connection errors (e.g. in LocalEntryNotFoundError).
    """
    chain = _exception_chain(error)

    def make(reason: str, message: str) -> DownloadError:
        return DownloadError(reason, message, model_id=model_id, revision=revision)

    where = f"{model_id} at revision {revision} from {settings.endpoint}"
    model_page = f"{settings.endpoint}/{model_id}"
    if gated := _first(chain, GatedRepoError):
        if settings.token:
            return make(Reason.GATED_ACCESS_DENIED,
                        f"{where}: the model is gated and the token given was refused ({_status(gated)}): accept the "
                        f"model's licence at {model_page} with the account that owns the token, or use a token of an "
                        f"account that has accepted it")
        return make(Reason.GATED_NEEDS_TOKEN,
                    f"{where}: the model is gated and no token was given: set HF_TOKEN (or pass token=) to a token "
                    f"of an account that has accepted the model's licence at {model_page}")
    if _first(chain, RevisionNotFoundError):
        return make(Reason.UNKNOWN_REVISION,
                    f"{where}: revision {revision!r} does not exist in {model_id}: check the revision (a commit "
                    f"sha, branch or tag of {model_page}) and that the endpoint mirrors that commit")
    if _first(chain, RepositoryNotFoundError):
        return make(Reason.REPO_NOT_FOUND,
                    f"{where}: repository {model_id} not found: check the model id; if the repository is private, "
                    f"set HF_TOKEN to a token that can read it")
    if offline := _first(chain, OfflineModeIsEnabled):
        return make(Reason.NETWORK,
                    f"{where}: HF_HUB_OFFLINE is set, so nothing can be downloaded ({offline}): unset it, or copy "
                    f"the weights into {local_dir} from a machine that downloaded them (with their "
                    f"{_STATE_DIR}/{_MANIFEST_NAME}, which marks them complete)")
    if net := _first(chain, httpx2.TransportError) or _first(chain, LocalEntryNotFoundError):
        return make(Reason.NETWORK,
                    f"{where}: no network to {settings.endpoint} ({type(net).__name__}: {net}): set HF_ENDPOINT to "
                    f"a reachable mirror, or copy the weights into {local_dir} from a machine that downloaded them "
                    f"(with their {_STATE_DIR}/{_MANIFEST_NAME}, which marks them complete)")
    if full := _first_errno(chain, (errno.ENOSPC, errno.EDQUOT)):
        needed = sum(f.size for f in files_needing_download(local_dir, listing.files)) if listing else 0
        return make(Reason.DISK_FULL, _disk_full_message(local_dir, model_id, revision, needed, _free_or_zero(local_dir))
                    + f" ({full})")
    if http := _first(chain, HfHubHTTPError):
        return make(Reason.HUB_ERROR,
                    f"{where}: the hub answered with an error ({_status(http)}: {_first_line(http)}): retry later, "
                    f"or set HF_ENDPOINT to another mirror")
    if local := _first(chain, OSError):
        return make(Reason.LOCAL_IO,
                    f"{where}: cannot write into {local_dir} ({type(local).__name__}: {local}): make the directory "
                    f"writable or choose another model_dir")
    return None


def _exception_chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending = [error]
    while pending:
        e = pending.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        pending.extend([e.__cause__, e.__context__])
    return seen


def _first(chain: list[BaseException], kind: type) -> BaseException | None:
    return next((e for e in chain if isinstance(e, kind)), None)


def _first_errno(chain: list[BaseException], codes: tuple[int, ...]) -> BaseException | None:
    return next((e for e in chain if isinstance(e, OSError) and e.errno in codes), None)


def _status(error: BaseException) -> str:
    response = getattr(error, "response", None)
    return f"HTTP {response.status_code}" if response is not None else type(error).__name__


def _first_line(error: BaseException) -> str:
    return next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)


def _disk_full_message(local_dir: str, model_id: str, revision: str, needed: int, free: int) -> str:
    short = max(needed - free, 0)
    return (f"disk full at {local_dir}: {model_id} at {revision} needs {needed} more bytes and {free} are free: "
            f"free {short} bytes, or point model_dir at a larger disk")


def _free_or_zero(path: str) -> int:
    try:
        return free_bytes(path)
    except OSError:
        return 0


# --- progress ---------------------------------------------------------------------------


class _ProgressReporter:
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


def _bar_class(reporter: _ProgressReporter) -> type:
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


# --- small helpers ----------------------------------------------------------------------


def _local_path(local_dir: str, repo_path: str) -> str:
    return os.path.join(local_dir, *repo_path.split("/"))


def _local_size(local_dir: str, repo_path: str) -> int | None:
    """Size of the local copy of ``repo_path``, or None if it is not a regular file."""
    try:
        st = os.stat(_local_path(local_dir, repo_path))
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _hub_cache_dir() -> str:
    """huggingface_hub's cache folder per the environment now: HF_HUB_CACHE, else HF_HOME/hub."""
    explicit = os.environ.get("HF_HUB_CACHE")
    if explicit:
        return os.path.expanduser(os.path.expandvars(explicit))
    return os.path.join(_hf_home(), "hub")


def _hf_home() -> str:
    default = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
    return os.path.expanduser(os.path.expandvars(os.environ.get("HF_HOME") or default))


def _token_from_file() -> str | None:
    """The token saved by ``hf auth login``: $HF_TOKEN_PATH, else $HF_HOME/token; None if absent."""
    path = os.environ.get("HF_TOKEN_PATH") or os.path.join(_hf_home(), "token")
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as f:
            return f.read().strip() or None
    except OSError:
        return None


def _make_dir(local_dir: str, model_id: str, revision: str) -> None:
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
def _exclusive(local_dir: str, model_id: str, revision: str) -> Iterator[None]:
    """Hold ``<local_dir>/.cache/qwenvl/download.lock`` (threads and processes, also over NFS as far as flock goes)."""
    state_dir = os.path.join(local_dir, _STATE_DIR)
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
            f"writable, or if it holds weights copied by hand, copy their {_STATE_DIR}/{_MANIFEST_NAME} too",
            model_id=model_id,
            revision=revision,
        ) from e
    try:
        yield
    finally:
        lock.release()


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
