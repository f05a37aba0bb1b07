"""The interpreter start-up hook: installed by the package, free until Ultralytics' parser loads, harmless if broken."""

import importlib.metadata
import json
import sys
import sysconfig
from pathlib import Path

from helpers import run_python

STATE = """
import json, sys
print(json.dumps({"loaded": sorted(m for m in ("torch", "ultralytics", "yolo_dsconv", "numpy") if m in sys.modules),
                  "finder": any(type(f).__name__ == "_TasksFinder" for f in sys.meta_path)}))
"""


def test_pth_installed_at_site_packages_root_and_recorded():
    purelib = sysconfig.get_paths()["purelib"]
    # Look in site-packages only: a checkout's yolo_dsconv.egg-info would also answer when cwd is the repo root.
    (dist,) = [d for d in importlib.metadata.distributions(path=[purelib]) if d.metadata["Name"] == "yolo-dsconv"]
    assert "yolo_dsconv.pth" in {str(f) for f in dist.files}  # in RECORD: pip removes it with the package
    pth = Path(purelib) / "yolo_dsconv.pth"
    assert pth.is_file() and "_yolo_dsconv_hook" in pth.read_text()


def test_start_up_costs_no_imports():
    state = json.loads(run_python(STATE).stdout)
    assert state == {"loaded": [], "finder": True}
    assert json.loads(run_python(STATE, env={"YOLO_DSCONV_HOOK": "0"}).stdout) == {"loaded": [], "finder": False}


def test_python_pass_prints_nothing():
    proc = run_python("pass")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


REGISTERED = """
{first}
from ultralytics.nn import tasks
print(sorted(c.__name__ for c in tasks._yolo_dsconv_base_modules), hasattr(tasks, "ExpandConv"),
      any(type(f).__name__ == "_TasksFinder" for f in sys.meta_path))
"""


def test_hook_registers_on_parser_import_in_any_order():
    for first in (
        "import sys",
        "import sys; import yolo_dsconv",
        "import sys; from ultralytics import YOLO",
        "import sys; import ultralytics.nn.modules",
    ):
        out = run_python(REGISTERED.format(first=first)).stdout.strip().splitlines()[-1]
        assert out == "['DSConv', 'ExpandConv'] True False", (first, out)


def test_broken_plugin_never_stops_python(tmp_path):
    fake = tmp_path / "yolo_dsconv"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise RuntimeError('plugin exploded')\n")
    env = {"PYTHONPATH": str(tmp_path)}
    proc = run_python("pass", env=env, cwd=tmp_path)  # cwd: a checkout's real package must not shadow the fake
    assert (proc.stdout, proc.stderr) == ("", "")
    proc = run_python("import ultralytics.nn.tasks; print('ultralytics works')", env=env, cwd=tmp_path)
    assert proc.stdout.strip() == "ultralytics works"
    assert "ExpandConv not registered: RuntimeError: plugin exploded" in proc.stderr


def test_isolated_and_no_site_modes():
    for flag in ("-I", "-S"):
        import subprocess

        proc = subprocess.run([sys.executable, flag, "-c", "pass"], capture_output=True, text=True)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def fake_ultralytics(root, version="8.3.0", broken=False):
    pkg = root / "ultralytics"
    (pkg / "nn").mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "raise RuntimeError('ultralytics exploded')\n" if broken else f"__version__ = {version!r}\n"
    )
    (pkg / "nn" / "__init__.py").write_text("")
    (pkg / "nn" / "tasks.py").write_text("def parse_model(d, ch):\n    return d\n")
    return {"PYTHONPATH": str(root)}


def test_unsupported_ultralytics_is_refused_clearly_and_harmlessly(tmp_path):
    env = fake_ultralytics(tmp_path)
    assert run_python("pass", env=env, cwd=tmp_path).stderr == ""
    proc = run_python("import ultralytics.nn.tasks; print('still works')", env=env, cwd=tmp_path)
    assert proc.stdout.strip() == "still works"
    assert "yolo-dsconv supports ultralytics>=8.4.190,<8.5, but ultralytics 8.3.0 is installed" in proc.stderr
    proc = run_python("import yolo_dsconv", env={**env, "YOLO_DSCONV_HOOK": "0"}, cwd=tmp_path, check=False)
    assert proc.returncode == 1 and "UnsupportedUltralyticsError" in proc.stderr and "8.3.0 is installed" in proc.stderr


def test_broken_or_absent_ultralytics_never_stops_python(tmp_path):
    env = fake_ultralytics(tmp_path, broken=True)
    proc = run_python("import json; print('fine')", env=env, cwd=tmp_path)
    assert (proc.stdout, proc.stderr) == ("fine\n", "")
    # absent: an interpreter where `ultralytics` cannot be imported at all
    proc = run_python("import sys; sys.modules['ultralytics'] = None; import json; print('fine')", cwd=tmp_path)
    assert (proc.stdout, proc.stderr) == ("fine\n", "")
