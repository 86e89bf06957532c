"""The hub client: where to download from (arguments, then the environment, read at call time),
what a commit holds (two requests), and huggingface_hub's ``snapshot_download`` run with our
progress reporting."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.hf_api import RepoFile

from .errors import DownloadError, Reason
from .listing import Listing, RemoteFile
from .files import files_needing_download
from .progress import ProgressCallback, ProgressReporter, bar_class, call_while_reporting

log = logging.getLogger("qwenvl_bridge.download")  # one logger for the whole download (users configure it)

DEFAULT_ENDPOINT = "https://huggingface.co"
_LISTING_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Settings:
    """Where to download from and with which credentials, after arguments and environment are merged."""

    endpoint: str
    token: str | None
    cache_dir: str


def resolve_settings(token: str | None = None, endpoint: str | None = None) -> Settings:
    """Merge explicit arguments with the environment, read now; explicit non-empty arguments win."""
    return Settings(
        endpoint=(endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/"),
        token=token or os.environ.get("HF_TOKEN") or _token_from_file(),
        cache_dir=_hub_cache_dir(),
    )


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


def run_snapshot_download(
    model_id: str, local_dir: str, settings: Settings, listing: Listing, progress: ProgressCallback | None
) -> None:
    """Let huggingface_hub fetch the commit into ``local_dir``, reporting progress as it goes.

    snapshot_download runs on a worker thread while this (the caller's) thread reports
    progress: the callback and our log lines always run on the thread that called
    download_weights, which is what an embedded interpreter (JEP) needs when the callback or
    the logging handler is a Java object.
    """
    already = listing.total_bytes - sum(f.size for f in files_needing_download(local_dir, listing.files))
    reporter = ProgressReporter(model_id, listing.total_bytes, already, progress)
    log.info("downloading %s (commit %s) from %s into %s: %d of %d bytes already present",
             model_id, listing.commit, settings.endpoint, local_dir, already, listing.total_bytes)
    call_while_reporting(
        lambda: snapshot_download(
            model_id,
            revision=listing.commit,  # the commit, not the name: the files cannot move under us
            local_dir=local_dir,
            cache_dir=settings.cache_dir,
            endpoint=settings.endpoint,
            token=settings.token or False,
            tqdm_class=bar_class(reporter),
        ),
        reporter,
    )
    reporter.finish()


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
