"""Why a download failed: :class:`DownloadError` with a :class:`Reason` (imports nothing heavy)."""

from __future__ import annotations

from ..errors import DOWNLOAD, BridgeError


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


ALL = tuple(v for k, v in vars(Reason).items() if k.isupper() and isinstance(v, str))


class DownloadError(BridgeError):
    """A download failed; ``reason`` says why (a :class:`Reason` value), the message says how to fix it.

    Java gets it as ``WeightsDownloadException`` with the same reason, message, model id and revision.
    """

    domain = DOWNLOAD
    reasons = ALL

    def __init__(self, reason: str, message: str, *, model_id: str, revision: str):
        super().__init__(reason, message, model_id=model_id, revision=revision)
        self.model_id = model_id
        self.revision = revision
