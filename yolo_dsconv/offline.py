"""What the plugin does so that training needs no internet: the one file Ultralytics would otherwise download.

Ultralytics draws its plots with Arial.ttf from its config folder and downloads the font when it is missing. Offline,
`offline_font` copies matplotlib's DejaVuSans (756 KB) there under that name, once; online, it does nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ("offline_font",)


def offline_font() -> None:
    """Offline only: give Ultralytics a local Arial.ttf (matplotlib's DejaVuSans), so plotting does not fetch it."""
    from ultralytics.utils import USER_CONFIG_DIR, is_online

    target = Path(USER_CONFIG_DIR) / "Arial.ttf"
    if target.exists() or is_online():
        return
    import matplotlib

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
