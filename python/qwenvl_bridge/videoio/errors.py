"""Why a video input cannot be used: :class:`VideoError`, whose reasons are the names of Java's
``VideoInputException.Reason``."""

from __future__ import annotations

from ..errors import VIDEO, BridgeError


class VideoError(BridgeError, ValueError):
    """A video input cannot be used (a :class:`~qwenvl_bridge.errors.BridgeError`: Java gets a
    ``VideoInputException`` with the same reason, source and detail).

    Attributes:
        reason: one of :data:`REASONS` (the names of Java's ``VideoInputException.Reason``).
        source: display name of the input (the path, or the name given with in-memory bytes).
        detail: what failed and how to fix it.
    """

    MISSING_FILE = "MISSING_FILE"
    UNREADABLE_FILE = "UNREADABLE_FILE"
    NOT_A_VIDEO = "NOT_A_VIDEO"
    CORRUPT_STREAM = "CORRUPT_STREAM"
    TOO_FEW_FRAMES = "TOO_FEW_FRAMES"
    BAD_SHAPE = "BAD_SHAPE"
    UNSUPPORTED_CHANNELS = "UNSUPPORTED_CHANNELS"
    EXTREME_ASPECT_RATIO = "EXTREME_ASPECT_RATIO"
    BAD_FPS = "BAD_FPS"
    EMPTY_DATA = "EMPTY_DATA"
    #: raised on the Java side (VideoCaptioner), from the token counts ``inputs.prepare`` returns
    WINDOW_TOO_LONG = "WINDOW_TOO_LONG"

    domain = VIDEO

    def __init__(self, reason: str, source: str, detail: str):
        super().__init__(reason, f"video '{source}': {detail} [{reason}]", source=source, detail=detail)
        self.source = source
        self.detail = detail


VideoError.reasons = tuple(v for k, v in vars(VideoError).items() if k.isupper() and isinstance(v, str))

REASONS = frozenset(VideoError.reasons)
