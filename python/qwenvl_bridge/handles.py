"""A process-wide store of arrays that stay in Python, referenced from Java by integer id.

Frames decoded in Python never cross back to Java: the decoder puts each window's array here and
Java carries only the id (``VideoPayload.PythonHandle``), which the engine bridge resolves with
:func:`get` when it builds the request. Ids are positive, unique for the life of the process and
never reused. All functions are thread-safe.
"""

import itertools
import threading
from typing import Any, Iterable, Union

__all__ = ["put", "get", "release", "count", "nbytes"]

_lock = threading.Lock()
_items: dict[int, Any] = {}
_ids = itertools.count(1)
_MISSING = object()


def put(value: Any) -> int:
    """Stores ``value`` (usually a numpy array) and returns its new id (a positive int)."""
    with _lock:
        handle = next(_ids)
        _items[handle] = value
        return handle


def get(handle: int) -> Any:
    """Returns the value stored under ``handle``.

    Raises:
        KeyError: the id was never issued or has been released; the message names the id.
    """
    with _lock:
        try:
            return _items[int(handle)]
        except KeyError:
            raise KeyError(
                f"no video frames are held under handle {handle}: it was released already or never "
                "created; decode the video again"
            ) from None


def release(handles: Union[int, Iterable[int]]) -> int:
    """Forgets the given id or ids and returns how many were held.

    Unknown or already released ids are ignored, so releasing twice is harmless.
    """
    ids = [handles] if isinstance(handles, int) else list(handles)
    with _lock:
        return sum(1 for h in ids if _items.pop(int(h), _MISSING) is not _MISSING)


def count() -> int:
    """Number of values currently held (for leak checks)."""
    with _lock:
        return len(_items)


def nbytes() -> int:
    """Bytes of the arrays currently held (frame budget checks)."""
    with _lock:
        return sum(int(getattr(v, "nbytes", 0)) for v in _items.values())
