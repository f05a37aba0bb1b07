"""The interpreter start-up hook: installed by the package, free until Ultralytics' parser loads, harmless if broken."""

import importlib.metadata
import json
import sys
import sysconfig
from pathlib import Path

import pytest

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
      [sorted(f.pending) for f in sys.meta_path if type(f).__name__ == "_TasksFinder"])
"""


def test_hook_registers_on_parser_import_in_any_order():
    for first in (
        "import sys",
        "import sys; import yolo_dsconv",
        "import sys; from ultralytics import YOLO",
        "import sys; import ultralytics.nn.modules",
    ):
        out = run_python(REGISTERED.format(first=first)).stdout.strip().splitlines()[-1]
        # the finder stays for classic YOLOv5's parser only
        assert out == "['ControlC2f', 'DSConv', 'ExpandConv'] True [['yolov5.models.yolo']]", (first, out)


def test_broken_plugin_never_stops_python(tmp_path):
    fake = tmp_path / "yolo_dsconv"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise RuntimeError('plugin exploded')\n")
    env = {"PYTHONPATH": str(tmp_path)}
    proc = run_python("pass", env=env, cwd=tmp_path)  # cwd: a checkout's real package must not shadow the fake
    assert (proc.stdout, proc.stderr) == ("", "")
    proc = run_python("import ultralytics.nn.tasks; print('ultralytics works')", env=env, cwd=tmp_path)
    assert proc.stdout.strip() == "ultralytics works"
    assert proc.stderr.splitlines() == [
        "yolo-dsconv:0: RuntimeWarning: ExpandConv not registered: RuntimeError: plugin exploded"
    ]  # the README's "one-line warning"


def test_isolated_mode_still_runs_the_hook_quietly():
    import subprocess

    # -I ignores the environment and the user site, not site-packages: the .pth still runs, and costs no import
    code = STATE.strip() + "\nprint('_yolo_dsconv_hook' in sys.modules)"
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd="/")
    assert proc.returncode == 0 and proc.stderr == ""
    state, hooked = proc.stdout.splitlines()
    assert json.loads(state) == {"loaded": [], "finder": True} and hooked == "True"


def fake_ultralytics(root, version="8.0.200", broken="", tasks="def parse_model(d, ch):\n    return d\n"):
    pkg = root / "ultralytics"
    (pkg / "nn").mkdir(parents=True)
    (pkg / "__init__.py").write_text(f"{broken}\n__version__ = {version!r}\n")
    (pkg / "nn" / "__init__.py").write_text("")
    (pkg / "nn" / "tasks.py").write_text(tasks)
    return {"PYTHONPATH": str(root)}


def test_unsupported_ultralytics_is_refused_clearly_and_harmlessly(tmp_path):
    env = fake_ultralytics(tmp_path)
    assert run_python("pass", env=env, cwd=tmp_path).stderr == ""
    proc = run_python("import ultralytics.nn.tasks; print('still works')", env=env, cwd=tmp_path)
    assert proc.stdout.strip() == "still works"
    assert "yolo-dsconv supports ultralytics>=8.1.0, but ultralytics 8.0.200 is installed" in proc.stderr
    proc = run_python("import yolo_dsconv", env={**env, "YOLO_DSCONV_HOOK": "0"}, cwd=tmp_path, check=False)
    assert (
        proc.returncode == 1 and "UnsupportedUltralyticsError" in proc.stderr and "8.0.200 is installed" in proc.stderr
    )


IMPORT_TASKS = """
try:
    import ultralytics.nn.tasks
except Exception as e:
    print("ULTRALYTICS ERROR", type(e).__name__, e)
"""


@pytest.mark.parametrize(
    "broken,tasks,error",
    [
        ("raise RuntimeError('ultralytics exploded')", "", "RuntimeError ultralytics exploded"),
        ("", "raise ImportError('tasks exploded')", "ImportError tasks exploded"),
    ],
)
def test_broken_ultralytics_raises_its_own_error_untouched(tmp_path, broken, tasks, error):
    env = fake_ultralytics(tmp_path, broken=broken, tasks=tasks)
    assert run_python("pass", env=env, cwd=tmp_path).stderr == ""
    proc = run_python(IMPORT_TASKS, env=env, cwd=tmp_path)  # the hook's finder is asked for tasks and wraps it
    assert proc.stdout.strip() == f"ULTRALYTICS ERROR {error}" and proc.stderr == ""


def test_absent_ultralytics_is_a_plain_import_error(tmp_path):
    code = "import sys\nsys.modules['ultralytics'] = None\n" + IMPORT_TASKS
    proc = run_python(code, cwd=tmp_path)
    assert proc.stdout.startswith("ULTRALYTICS ERROR ModuleNotFoundError") and proc.stderr == ""
    # the finder itself answers "not mine" when nothing else can find the parser module
    code = "import _yolo_dsconv_hook as h\nprint(h._finder.find_spec('ultralytics.nn.tasks', ['/nonexistent']))"
    assert run_python(code, cwd=tmp_path).stdout.strip() == "None"
