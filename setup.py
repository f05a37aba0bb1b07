"""Setuptools needs code for one thing: putting `yolo_dsconv.pth` at the root of site-packages.

The .pth file makes the start-up hook run in every interpreter (see `_yolo_dsconv_hook.py`). Setuptools ships a
file at the wheel root only from a build step: `build_py` copies it into regular wheels (as pytest-socket and
pytest-cov do), and `editable_wheel` writes it into the PEP 660 editable wheel, which never runs that copy. In both
cases the file is listed in the wheel's RECORD, so pip removes it with the package. Metadata lives in setup.cfg.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

PTH = Path(__file__).resolve().parent / "yolo_dsconv.pth"


class BuildPyWithPth(build_py):
    """build_py that also places the start-up .pth file at the root of the build tree."""

    def run(self):
        super().run()
        self.copy_file(str(PTH), str(Path(self.build_lib) / PTH.name), preserve_mode=0)

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), str(Path(self.build_lib) / PTH.name)]


class _StrategyWithPth:
    """Wraps setuptools' editable strategy: same files, plus the start-up .pth at the wheel root."""

    def __init__(self, strategy):
        self.strategy = strategy

    def __call__(self, wheel, files, mapping):
        self.strategy(wheel, files, mapping)
        wheel.writestr(PTH.name, PTH.read_bytes())

    def __enter__(self):
        self.strategy.__enter__()
        return self

    def __exit__(self, *exc):
        return self.strategy.__exit__(*exc)


if not callable(getattr(editable_wheel, "_select_strategy", None)):
    # A private setuptools method (present from setuptools 64, the floor in pyproject.toml, to at least 84.2): stop
    # here rather than build an editable install whose start-up hook is silently missing.
    raise SystemExit(
        "yolo-dsconv: this setuptools has no editable_wheel._select_strategy, which setup.py wraps to put the "
        "start-up hook yolo_dsconv.pth into editable installs; install a setuptools that has it, or use a "
        "non-editable install (pip install .)"
    )


class EditableWheelWithPth(editable_wheel):
    """editable_wheel whose wheel also carries the start-up .pth."""

    def _select_strategy(self, *args, **kwargs):
        return _StrategyWithPth(super()._select_strategy(*args, **kwargs))


setup(cmdclass={"build_py": BuildPyWithPth, "editable_wheel": EditableWheelWithPth})
