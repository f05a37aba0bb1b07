"""A regular (non-editable) wheel install: the hook and the YAMLs travel with the package, and leave with it."""

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from helpers import REPO, bare_venv, run_python


def clean_copy(dest: Path) -> Path:
    """The files git tracks (and the untracked ones it does not ignore), copied: no build/ or *.egg-info can leak."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        src, dst = REPO / name, dest / name
        if src.is_symlink() or src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
    return dest


def test_wheel_install_hook_and_packaged_yamls(tmp_path):
    pip = [sys.executable, "-m", "pip"]
    source = clean_copy(tmp_path / "src")
    assert not (source / "build").exists() and not list(source.glob("*.egg-info"))
    subprocess.run(
        [*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("yolo_dsconv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "yolo_dsconv.pth" in names and "_yolo_dsconv_hook.py" in names
    assert "yolo_dsconv/cfg/models/yolov5-dsconv.yaml" in names
    assert {f"yolo_dsconv/cfg/classic/yolov5{s}-dsconv.yaml" for s in "nsmlx"} <= set(names)  # classic YOLOv5

    # A fresh environment: the wheel alone, its dependencies seen through a plain path entry (no other .pth runs).
    py, purelib = bare_venv(tmp_path / "venv", [sysconfig.get_paths()["purelib"]])
    subprocess.run(
        [*pip, "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "from yolo_dsconv import model_yaml\n"
        "from ultralytics.nn.tasks import DetectionModel\n"
        "import yolo_dsconv\n"
        "p = model_yaml('yolov5n-dsconv.yaml')\n"
        "m = DetectionModel(p, verbose=False)\n"
        f"print(yolo_dsconv.__file__.startswith({str(purelib)!r}), type(m.model[10]).__name__)\n"
    )
    # Build by bare name, without importing the plugin first: only the installed hook can register it, and only
    # the packaged YAMLs can answer the name.
    code_hook = (
        "from ultralytics.nn.tasks import DetectionModel\n"
        "m = DetectionModel('yolov5n-dsconv.yaml', verbose=False)\n"
        "print(type(m.model[10]).__name__, m.yaml['scale'])\n"
    )
    run = lambda c: subprocess.run([py, "-c", c], capture_output=True, text=True, cwd=tmp_path)  # noqa: E731
    out = run(code_hook)
    assert out.stdout.strip().splitlines()[-1] == "ExpandConv n", out.stderr[-3000:]
    out = run(code)
    assert out.stdout.strip().splitlines()[-1] == "True ExpandConv", out.stderr[-3000:]

    subprocess.run([*pip, "--python", str(py), "uninstall", "-q", "-y", "yolo-dsconv"], check=True, capture_output=True)
    assert not (Path(purelib) / "yolo_dsconv.pth").exists() and not (Path(purelib) / "yolo_dsconv").exists()
    assert run("pass").stderr == ""


GUARD = """
import runpy, sys
from setuptools.command.editable_wheel import editable_wheel
{remove}
sys.argv = ["setup.py", "--name"]
try:
    runpy.run_path("setup.py", run_name="__main__")
except SystemExit as e:
    print("EXIT", e.code)
"""


def test_setuptools_private_editable_hook_is_guarded():
    """setup.py wraps setuptools' private editable_wheel._select_strategy; a release without it must stop the build."""
    ok = run_python(GUARD.format(remove=""), cwd=REPO).stdout
    assert "yolo-dsconv" in ok and "EXIT" not in ok.replace("EXIT None", "")  # this setuptools has it: builds as usual
    gone = run_python(GUARD.format(remove="del editable_wheel._select_strategy"), cwd=REPO).stdout
    assert "EXIT yolo-dsconv: this setuptools has no editable_wheel._select_strategy" in gone


def test_without_ultralytics_the_import_says_what_to_install(tmp_path):
    py, _ = bare_venv(tmp_path / "venv", [str(REPO)])  # sees this checkout, and no ultralytics, torch or metadata
    proc = subprocess.run([str(py), "-c", "import yolo_dsconv"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("yolo_dsconv.compat.UnsupportedUltralyticsError: yolo-dsconv needs ultralytics>=8.1.0, ")
    assert last.endswith("pip install 'ultralytics>=8.1.0'") and str(py) in last


def test_make_install_refuses_a_full_disk_before_creating_the_venv(tmp_path):
    for name in ("Makefile", "setup.cfg", "setup.py", "pyproject.toml", "constraints.txt"):
        shutil.copy2(REPO / name, tmp_path / name)
    proc = subprocess.run(["make", "install", "NEED_GIB=1000000"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "GiB free on the disk of" in proc.stderr and "needs about 1000000 GiB" in proc.stderr
    assert not (tmp_path / ".venv").exists()


def test_the_release_facts_come_from_one_list():
    """compat.RELEASES is the matrix; setup.cfg's lower bound and constraints.txt's pin are its ends."""
    import configparser

    from yolo_dsconv.compat import LOWEST, NEWEST_TESTED, RELEASES, SUPPORTED_ULTRALYTICS, release

    assert list(RELEASES) == sorted(RELEASES, key=release) and (RELEASES[0], RELEASES[-1]) == (LOWEST, NEWEST_TESTED)
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    requires = [r.strip() for r in cfg["options"]["install_requires"].splitlines() if r.startswith("ultralytics")]
    assert requires == [f"ultralytics{SUPPORTED_ULTRALYTICS}"] == [f"ultralytics>={LOWEST}"]
    pins = [x for x in (REPO / "constraints.txt").read_text().splitlines() if x.startswith("ultralytics")]
    assert pins == [f"ultralytics=={NEWEST_TESTED}"]
    matrix = subprocess.run(
        [sys.executable, "scripts/release_matrix.py", "--list"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert matrix.stdout.strip() == str(RELEASES)
