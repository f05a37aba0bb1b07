"""The Ultralytics releases this plugin supports: the lower bound it enforces, and the newest release it was tested on.

The lower bound is the oldest release where the release matrix (`make versions`, README "Supported versions")
passes. A release newer than the newest tested one runs, with one warning line, as long as the parser patch
applies; `integration.apply_patches` refuses it loudly when it does not.
"""

from __future__ import annotations

import re
import sys

__all__ = (
    "LOWEST",
    "NEWEST_TESTED",
    "RELEASES",
    "SUPPORTED_ULTRALYTICS",
    "UnsupportedUltralyticsError",
    "check_ultralytics",
    "release",
    "ultralytics_version",
    "warn_if_untested",
)

# The release matrix (`make versions`, scripts/release_matrix.py), oldest first: the one list of release facts.
# setup.cfg's lower bound and constraints.txt's pin repeat its ends (tests/test_packaging.py checks that they agree).
RELEASES = ("8.1.0", "8.1.47", "8.2.0", "8.2.103", "8.3.0", "8.3.253", "8.4.0", "8.4.100", "8.4.190")
LOWEST, NEWEST_TESTED = RELEASES[0], RELEASES[-1]
SUPPORTED_ULTRALYTICS = f">={LOWEST}"


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
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            version = dist_version("ultralytics")
        except PackageNotFoundError:
            raise UnsupportedUltralyticsError(
                f"yolo-dsconv needs ultralytics{SUPPORTED_ULTRALYTICS}, and none is installed in this Python "
                f"({sys.executable}); pip install 'ultralytics{SUPPORTED_ULTRALYTICS}'"
            ) from None
    return version


def release(version: str) -> tuple[int, ...]:
    """(major, minor, patch) of a version string: '8.4.190' -> (8, 4, 190); '8.5.0.dev1' -> (8, 5, 0)."""
    return tuple(int(x) for x in re.findall(r"\d+", version.split("+")[0])[:3])


def check_ultralytics(version: str | None = None) -> str:
    """Return the installed (or given) Ultralytics version, or raise UnsupportedUltralyticsError below the range."""
    version = version or ultralytics_version()
    if release(version) < release(LOWEST):
        raise UnsupportedUltralyticsError(
            f"yolo-dsconv supports ultralytics{SUPPORTED_ULTRALYTICS}, but ultralytics {version} is installed; "
            f"install a supported release, e.g. pip install 'ultralytics{SUPPORTED_ULTRALYTICS}'"
        )
    return version


_warned: list[str] = []


def warn_if_untested(version: str | None = None) -> bool:
    """One warning line, once per process, when Ultralytics is newer than the newest tested release; True if so."""
    version = version or ultralytics_version()
    if release(version) <= release(NEWEST_TESTED):
        return False
    if version not in _warned:
        _warned.append(version)
        import warnings

        message = (
            f"ultralytics {version} is newer than the releases yolo-dsconv was tested on ({LOWEST} to "
            f"{NEWEST_TESTED}); the model-parser patch applied, so ExpandConv is registered"
        )
        warnings.warn_explicit(message, UserWarning, "yolo-dsconv", 0)
    return True
