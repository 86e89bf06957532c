"""What is on disk: the manifest written after a verified download, files checked against a
listing (presence and size), disk space, and cleaning up what an interrupted download left."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
import time
from .errors import DownloadError, Reason
from .listing import Listing, RemoteFile

log = logging.getLogger("qwenvl_bridge.download")  # one logger for the whole download (users configure it)

MANIFEST_FORMAT = 1
STATE_DIR = os.path.join(".cache", "qwenvl")
MANIFEST_NAME = "manifest.json"


def read_manifest(local_dir: str) -> dict | None:
    """The manifest written after the last verified download in ``local_dir``, or None if absent or unreadable."""
    path = os.path.join(local_dir, STATE_DIR, MANIFEST_NAME)
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
    return [f for f in files if local_size(local_dir, f.path) != f.size]


def summary_if_complete(local_dir: str, model_id: str, revision: str) -> dict | None:
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
    return summary(local_dir, model_id, revision, listing, skipped=True)


def summary(local_dir: str, model_id: str, revision: str, listing: Listing, *, skipped: bool) -> dict:
    return {
        "path": local_dir,
        "model_id": model_id,
        "revision": revision,
        "commit": listing.commit,
        "files": len(listing.files),
        "bytes": listing.total_bytes,
        "skipped": skipped,
    }


def remove_wrong_size_files(local_dir: str, listing: Listing) -> None:
    """Delete local files whose size differs from the listing, so they are fetched again.

    huggingface_hub trusts a local file whose recorded commit matches, whatever its size.
    """
    for f in listing.files:
        size = local_size(local_dir, f.path)
        if size is not None and size != f.size:
            log.warning("%s has %d bytes, expected %d: removing it to download it again", f.path, size, f.size)
            os.remove(local_path(local_dir, f.path))


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


def ensure_disk_space(local_dir: str, listing: Listing, model_id: str, revision: str) -> None:
    """Fail early with DISK_FULL when the files still to download do not fit on the disk."""
    needed = sum(f.size for f in files_needing_download(local_dir, listing.files))
    free = free_bytes(local_dir)
    if needed > free:
        raise DownloadError(
            Reason.DISK_FULL,
            disk_full_message(local_dir, model_id, revision, needed, free),
            model_id=model_id,
            revision=revision,
        )


def free_bytes(path: str) -> int:
    """Free bytes on the file system holding ``path``."""
    return shutil.disk_usage(path).free


def verify(local_dir: str, listing: Listing, model_id: str, revision: str) -> None:
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


def write_manifest(local_dir: str, model_id: str, revision: str, listing: Listing) -> None:
    """Write the manifest atomically (temp file, fsync, rename): a reader sees the old one or the new one."""
    state_dir = os.path.join(local_dir, STATE_DIR)
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
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=MANIFEST_NAME, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(state_dir, MANIFEST_NAME))
    except BaseException:
        _remove_quietly(tmp)
        raise


def disk_full_message(local_dir: str, model_id: str, revision: str, needed: int, free: int) -> str:
    short = max(needed - free, 0)
    return (f"disk full at {local_dir}: {model_id} at {revision} needs {needed} more bytes and {free} are free: "
            f"free {short} bytes, or point model_dir at a larger disk")


def free_or_zero(path: str) -> int:
    try:
        return free_bytes(path)
    except OSError:
        return 0


def local_path(local_dir: str, repo_path: str) -> str:
    return os.path.join(local_dir, *repo_path.split("/"))


def local_size(local_dir: str, repo_path: str) -> int | None:
    """Size of the local copy of ``repo_path``, or None if it is not a regular file."""
    try:
        st = os.stat(local_path(local_dir, repo_path))
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
