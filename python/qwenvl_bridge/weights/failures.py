"""Exceptions raised while listing or downloading, turned into :class:`DownloadError` with a
reason and a message that names the model, the revision and the fix."""

from __future__ import annotations

import errno

import httpx2
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from .errors import DownloadError, Reason
from .files import MANIFEST_NAME, STATE_DIR, disk_full_message, files_needing_download, free_or_zero
from .hub import Settings
from .listing import Listing


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
    copy_instead = (f"copy the weights into {local_dir} from a machine that downloaded them (with their "
                    f"{STATE_DIR}/{MANIFEST_NAME}, which marks them complete)")
    if offline := _first(chain, OfflineModeIsEnabled):
        return make(Reason.NETWORK,
                    f"{where}: HF_HUB_OFFLINE is set, so nothing can be downloaded ({offline}): unset it, or "
                    f"{copy_instead}")
    if net := _first(chain, httpx2.TransportError) or _first(chain, LocalEntryNotFoundError):
        return make(Reason.NETWORK,
                    f"{where}: no network to {settings.endpoint} ({type(net).__name__}: {net}): set HF_ENDPOINT to "
                    f"a reachable mirror, or {copy_instead}")
    if full := _first_errno(chain, (errno.ENOSPC, errno.EDQUOT)):
        needed = sum(f.size for f in files_needing_download(local_dir, listing.files)) if listing else 0
        return make(Reason.DISK_FULL, disk_full_message(local_dir, model_id, revision, needed, free_or_zero(local_dir))
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
