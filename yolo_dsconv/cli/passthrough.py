"""`yolo-dsconv train|val|predict|export ...`: Ultralytics' own `yolo` command with the plugin registered.

For setups where the start-up hook is switched off (YOLO_DSCONV_HOOK=0) or not installed. A `model=` naming a
shipped YAML (e.g. `model=yolov5s-dsconv.yaml`) resolves to the packaged file.
"""

from __future__ import annotations

import sys


def run(mode: str, argv: list[str]) -> int:
    """Run `yolo MODE argv...` in this process after registering the plugin; returns 0 (Ultralytics raises on error)."""
    import yolo_dsconv  # noqa: F401  (registers ExpandConv, DSConv)

    # Ultralytics reads the very list object sys.argv (captured as ARGV at import), so replace its contents.
    sys.argv[:] = ["yolo", mode, *argv]
    from ultralytics.cfg import entrypoint

    entrypoint()
    return 0
