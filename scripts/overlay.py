"""Overlay environments: a venv that sees this project's venv (its torch stack and the editable checkout) behind its
own site-packages, for a stack that must not enter the dev venv (another Ultralytics release, classic YOLOv5).

    python scripts/overlay.py ROOT REQUIREMENT [REQUIREMENT ...]    # made once; prints ROOT's python
    python scripts/overlay.py ROOT --extra NAME                     # the requirements of setup.cfg's extra NAME
"""

from __future__ import annotations

import configparser
import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def overlay(root: Path, requirements: list[str], drop_pins: tuple[str, ...] = ()) -> Path:
    """Python of the overlay environment at `root` with `requirements` installed (made once, marked `.ready`).

    The dev venv's packages are on its path after its own, so only what `requirements` need beyond them is
    installed, under this project's constraints.txt (less the pins named in `drop_pins`).
    """
    py = root / "bin" / "python"
    ready = root / ".ready"
    if ready.is_file() and ready.read_text() == " ".join(requirements):
        return py
    subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(root)], check=True)
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "shared.pth").write_text(f"{REPO}\n{sysconfig.get_paths()['purelib']}\n")
    (purelib / "yolo_dsconv.pth").write_text((REPO / "yolo_dsconv.pth").read_text())
    pins = [ln for ln in (REPO / "constraints.txt").read_text().splitlines() if not ln.startswith(drop_pins or ("\0",))]
    # a headless OpenCV that a requirement pulls in must be the dev venv's OpenCV: the overlay's cv2/ shadows it
    pins.append(f"opencv-python-headless=={importlib.metadata.version('opencv-python')}")
    (root / "constraints.txt").write_text("\n".join(pins) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "-c", str(root / "constraints.txt")]
    subprocess.run([*pip, *requirements], check=True)
    ready.write_text(" ".join(requirements))
    return py


def extra(name: str) -> list[str]:
    """The requirements of setup.cfg's extra `name`."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    lines = cfg["options.extras_require"][name].splitlines()
    return [x.strip() for x in lines if x.strip() and not x.strip().startswith("#")]


if __name__ == "__main__":
    root, rest = Path(sys.argv[1]).resolve(), sys.argv[2:]
    print(overlay(root, extra(rest[1]) if rest[:1] == ["--extra"] else rest))
