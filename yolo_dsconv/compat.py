"""The Ultralytics releases this plugin supports, and the check that refuses the others."""

from __future__ import annotations

import re

__all__ = ("SUPPORTED_ULTRALYTICS", "UnsupportedUltralyticsError", "check_ultralytics", "ultralytics_version")

# Tested releases: the lowest and the highest of this range each run the suite (Makefile target `versions`).
SUPPORTED_ULTRALYTICS = ">=8.4.190,<8.5"
_LOWEST, _BELOW = (8, 4, 190), (8, 5, 0)


class UnsupportedUltralyticsError(RuntimeError):
    """The installed Ultralytics cannot be extended by this plugin."""


def ultralytics_version() -> str:
    """Installed Ultralytics version string (its `__version__`, else the distribution's metadata)."""
    try:
        import ultralytics

        version = getattr(ultralytics, "__version__", None)
    except ImportError:
        version = None
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("ultralytics")
    return version


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version.split("+")[0])[:3])


def check_ultralytics(version: str | None = None) -> str:
    """Return the installed (or given) Ultralytics version, or raise UnsupportedUltralyticsError if out of range."""
    version = version or ultralytics_version()
    if not (_LOWEST <= _release(version) < _BELOW):
        raise UnsupportedUltralyticsError(
            f"yolo-dsconv supports ultralytics{SUPPORTED_ULTRALYTICS}, but ultralytics {version} is installed; "
            f"install a supported release, e.g. pip install 'ultralytics{SUPPORTED_ULTRALYTICS}'"
        )
    return version
