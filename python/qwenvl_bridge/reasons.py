"""Every error reason the Python half can raise, for Java's mapping test (``PythonBridgeIT``).

It imports, at top level, every module that defines a :class:`~qwenvl_bridge.errors.BridgeError`
subclass, so that :func:`all_reasons` sees them all; :mod:`qwenvl_bridge.errors` itself imports
none of them (they import it).
"""

from . import enginewatch, errors, start_method, vllm_api  # noqa: F401 - define BridgeError subclasses
from .videoio import errors as _video_errors  # noqa: F401
from .weights import errors as _weights_errors  # noqa: F401


def all_reasons():
    """``[{"domain", "reason"}, ...]``: every reason the Python half can raise or report as a value."""
    found = []
    for kind in errors.subclasses():
        if kind.domain is not None:
            found.extend([kind.domain, r] for r in kind.reasons)
    found.extend([domain, reason] for domain, reason in errors.FOREIGN.values())
    unique = []
    for pair in found:
        if pair not in unique:
            unique.append(pair)
    return [{"domain": domain, "reason": reason} for domain, reason in sorted(unique)]


def foreign_types():
    """The class names :data:`errors.FOREIGN` maps."""
    return errors.foreign_types()
