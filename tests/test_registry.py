"""register_module: Conv-like channel handling, idempotence, clear refusals, stock models untouched."""

import json
import re
import threading
from typing import ClassVar

import pytest
from torch import nn
from ultralytics.nn import tasks
from ultralytics.nn.modules import Conv
from ultralytics.nn.tasks import DetectionModel

import yolo_dsconv
from helpers import MODEL_YAMLS, run_python
from yolo_dsconv import ExpandConv, UnsupportedUltralyticsError, register_module, registered_modules, unregister_module
from yolo_dsconv.compat import check_ultralytics
from yolo_dsconv.integration import recompiled_parse_model


class Probe(nn.Module):
    """Records the arguments the parser passes."""

    calls: ClassVar[list] = []

    def __init__(self, c1, c2, tag="x"):
        super().__init__()
        Probe.calls.append((c1, c2, tag))
        self.cv = Conv(c1, c2, 1)

    def forward(self, x):
        return self.cv(x)


def tiny_yaml(row_args, width=0.5, max_channels=1024):
    return {
        "nc": 2,
        "scales": {"s": [1.0, width, max_channels]},
        "scale": "s",
        "backbone": [[-1, 1, "Conv", [64, 3, 2]], [-1, 1, "Probe", row_args], [-1, 1, "Conv", [32, 3, 2]]],
        "head": [[[1, 2], 1, "Detect", ["nc"]]],
    }


@pytest.fixture
def probe():
    register_module(Probe)
    Probe.calls.clear()
    yield Probe
    unregister_module("Probe")


def test_import_registers_builtins():
    assert registered_modules() == {
        "DSConv": yolo_dsconv.DSConv,
        "ExpandConv": ExpandConv,
        "ControlC2f": yolo_dsconv.ControlC2f,
    }
    assert tasks.ExpandConv is ExpandConv


def test_conv_like_channels_inferred_scaled_and_capped(probe):
    model = DetectionModel(tiny_yaml([128, "y"]), verbose=False)
    assert Probe.calls[-1] == (32, 64, "y")  # c1 from layer 0 (64·0.5), c2 = 128·0.5
    assert model.model[2].conv.in_channels == 64  # the next layer sees the scaled c2
    DetectionModel(tiny_yaml([128], width=1.0, max_channels=48), verbose=False)
    assert Probe.calls[-1][:2] == (48, 48)  # capped by max_channels, then width-scaled


def test_registration_is_idempotent(probe):
    before = list(tasks._yolo_dsconv_base_modules)
    register_module(Probe)
    register_module(Probe)
    assert tasks._yolo_dsconv_base_modules == before
    assert tasks.parse_model._yolo_dsconv_patched
    recompiled = tasks.parse_model.__wrapped__  # behind the row checks; tracebacks still point into tasks.py
    assert recompiled.__code__.co_filename == recompiled.__wrapped__.__code__.co_filename
    assert recompiled.__code__.co_firstlineno == recompiled.__wrapped__.__code__.co_firstlineno


def test_concurrent_registration_leaves_one_entry():
    class Threaded(Probe):
        pass

    errors = []

    def go():
        try:
            register_module(Threaded)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=go) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == [] and tasks._yolo_dsconv_base_modules.count(Threaded) == 1
    finally:
        unregister_module("Threaded")


def test_unregister_refuses_a_name_it_did_not_register():
    with pytest.raises(ValueError, match=r"^unregister_module: 'Conv' was not registered by yolo-dsconv$"):
        unregister_module("Conv")
    with pytest.raises(ValueError, match=r"^unregister_module: 'Nothing' was not registered by yolo-dsconv$"):
        unregister_module("Nothing")
    assert tasks.Conv is Conv


def test_refuses_a_name_the_parser_already_knows():
    with pytest.raises(ValueError, match="'Conv' already means"):
        register_module(Probe, name="Conv")
    with pytest.raises(ValueError, match="'SPPF' already means"):
        register_module(Probe, name="SPPF")


def test_refuses_non_modules_and_bad_signatures():
    with pytest.raises(TypeError, match=r"not a torch\.nn\.Module subclass"):
        register_module(object)
    with pytest.raises(TypeError, match=r"not a torch\.nn\.Module subclass"):
        register_module(Probe(1, 1))

    class NoChannels(nn.Module):
        def __init__(self, k=3):
            super().__init__()

    with pytest.raises(TypeError, match=r"must start with \(c1, c2"):
        register_module(NoChannels)
    with pytest.raises(ValueError, match="name='not valid'"):
        register_module(Probe, name="not valid")


def test_release_below_the_range_names_both_versions():
    with pytest.raises(
        UnsupportedUltralyticsError, match=r"supports ultralytics>=8\.1\.0, but ultralytics 8\.0\.200 is installed"
    ):
        check_ultralytics("8.0.200")
    for version in ("8.1.0", "8.3.0", "8.4.190", "8.5.1", "9.0.0.dev3"):  # no upper bound: newer ones are tried
        assert check_ultralytics(version) == version


def test_newer_release_warns_once_in_one_line(recwarn, monkeypatch):
    from yolo_dsconv import compat
    from yolo_dsconv.compat import warn_if_untested

    monkeypatch.setattr(compat, "_warned", [])  # a fresh process's state

    assert warn_if_untested("8.4.190") is False and warn_if_untested("8.1.0") is False
    assert warn_if_untested("8.5.0") is True and warn_if_untested("8.5.0") is True
    messages = [str(w.message) for w in recwarn if "newer than the releases" in str(w.message)]
    assert messages == [
        "ultralytics 8.5.0 is newer than the releases yolo-dsconv was tested on (8.1.0 to 8.4.190); "
        "the model-parser patch applied, so ExpandConv is registered"
    ]


NEWER = """
import ultralytics
ultralytics.__version__ = "8.5.0"  # as if the next minor release were installed
import yolo_dsconv
from ultralytics.nn.tasks import DetectionModel
print(type(DetectionModel("yolov5n-dsconv.yaml", verbose=False).model[10]).__name__)
"""


def test_newer_release_runs_when_the_patch_applies():
    proc = run_python(NEWER, env={"YOLO_DSCONV_HOOK": "0"})
    assert proc.stdout.split()[-1] == "ExpandConv"
    warned = [line for line in proc.stderr.splitlines() if "yolo-dsconv" in line]
    assert warned == [
        "yolo-dsconv:0: UserWarning: ultralytics 8.5.0 is newer than the releases yolo-dsconv was tested on "
        "(8.1.0 to 8.4.190); the model-parser patch applied, so ExpandConv is registered"
    ]


def test_shipped_yaml_needing_a_newer_release_is_refused_by_name(monkeypatch):
    monkeypatch.delitem(tasks.__dict__, "C3k2")  # as on a release before 8.3.0, which has no yolo11 modules
    with pytest.raises(
        ValueError,
        match=r"layer 2 uses C3k2, which ultralytics 8\.4\.\d+ does not have: "
        r".*yolo11n-dsconv\.yaml needs ultralytics>=8\.3\.0",
    ):
        DetectionModel("yolo11n-dsconv.yaml", verbose=False)


def test_unrecognisable_parser_fails_loudly():
    def parse_model(d, ch):  # no container holding Conv
        return d

    with pytest.raises(
        UnsupportedUltralyticsError,
        match=r"ultralytics 8\.4\.\d+ \(supported: ultralytics>=8\.1\.0\): "
        r"expected exactly one container of Conv-like modules, found 0",
    ):
        recompiled_parse_model(parse_model)


def test_bad_yaml_args_for_expandconv_name_the_argument():
    def yaml_with(args):
        d = tiny_yaml(args)
        d["backbone"][1][2] = "ExpandConv"
        return d

    with pytest.raises(ValueError, match="kernel size 4"):
        DetectionModel(yaml_with([64, [4, 6]]), verbose=False)
    with pytest.raises(ValueError, match="2 dilations but k has 3"):
        DetectionModel(yaml_with([64, [5, 7, 9], [1, 2]]), verbose=False)
    with pytest.raises(ValueError, match="dense='no'"):
        DetectionModel(yaml_with([64, [5], None, 0.5, "no"]), verbose=False)
    with pytest.raises(
        ValueError,
        match=r"layer 1 \(ExpandConv\): args=\[64, \[5\], None, 0.5, True, 'default', 7\] has 7 values, "
        r"expected at most 6: \[c2, k, d, e, dense, init\]",
    ):
        DetectionModel(yaml_with([64, [5], None, 0.5, True, "default", 7]), verbose=False)
    with pytest.raises(
        ValueError, match=r"layer 1 \(ExpandConv\): args\[0\]=\[64\] is invalid, expected the output channels"
    ):
        DetectionModel(yaml_with([[64]]), verbose=False)
    with pytest.raises(ValueError, match=r"layer 1 \(ExpandConv\): args=\[\] is invalid"):
        DetectionModel(yaml_with([]), verbose=False)
    multi = yaml_with([64])
    multi["backbone"][1][0] = [-1, 0]
    with pytest.raises(
        ValueError,
        match=r"from=\[-1, 0\] is invalid, expected one input index \(an int\): ExpandConv takes a single input",
    ):
        DetectionModel(multi, verbose=False)


STOCK_SUMMARY = """
import json, sys
{prelude}
from ultralytics.nn.tasks import DetectionModel
out = {{}}
for cfg in ["yolov5s.yaml", "yolov8s.yaml", "yolo11s.yaml", "yolov5n.yaml"]:
    m = DetectionModel(cfg, verbose=False)
    out[cfg] = [sum(p.numel() for p in m.parameters()), [x.type for x in m.model], [x.f for x in m.model]]
out["plugin"] = "yolo_dsconv" in sys.modules
print(json.dumps(out))
"""


def test_stock_models_unchanged_by_the_plugin():
    without = json.loads(
        run_python(STOCK_SUMMARY.format(prelude=""), env={"YOLO_DSCONV_HOOK": "0"}).stdout.splitlines()[-1]
    )
    with_ = json.loads(
        run_python(
            STOCK_SUMMARY.format(prelude="import yolo_dsconv"), env={"YOLO_DSCONV_HOOK": "0"}
        ).stdout.splitlines()[-1]
    )
    assert without.pop("plugin") is False and with_.pop("plugin") is True
    assert with_ == without
    assert without["yolov5s.yaml"][0] == 9153152  # stock yolov5s of Ultralytics 8.4.190


def test_import_then_build_in_a_fresh_interpreter():
    code = f"""
import yolo_dsconv
from ultralytics import YOLO
from ultralytics.nn.tasks import DetectionModel
m = YOLO({str(MODEL_YAMLS / "yolov5s-dsconv.yaml")!r})
d = DetectionModel({str(MODEL_YAMLS / "yolov5n-dsconv.yaml")!r}, verbose=False)
print(type(m.model.model[10]).__name__, type(d.model[10]).__name__)
"""
    assert run_python(code, env={"YOLO_DSCONV_HOOK": "0"}).stdout.split()[-2:] == ["ExpandConv", "ExpandConv"]


def test_safe_globals_allow_listed():
    from torch.serialization import get_safe_globals

    allowed = set(get_safe_globals())
    for cls in (ExpandConv, yolo_dsconv.DSConv, yolo_dsconv.DepthwiseConv, yolo_dsconv.TapPrunedConv2d):
        assert cls in allowed


RELOAD = """
import importlib, yolo_dsconv
from ultralytics.nn import tasks
import yolo_dsconv.modules.expand_conv as ec
old = ec.ExpandConv
importlib.reload(ec)  # the same class definition, imported a second time
yolo_dsconv.register_module(ec.ExpandConv)
yolo_dsconv.register_module(ec.ExpandConv)
names = [c.__name__ for c in tasks._yolo_dsconv_base_modules]
print(names.count("ExpandConv"), tasks.ExpandConv is ec.ExpandConv, ec.ExpandConv is not old)
"""


def test_second_import_of_the_same_class_leaves_one_registration():
    assert run_python(RELOAD, env={"YOLO_DSCONV_HOOK": "0"}).stdout.split()[-3:] == ["1", "True", "True"]


def test_hook_after_manual_import_keeps_one_registration():
    code = (
        "import yolo_dsconv, _yolo_dsconv_hook\n_yolo_dsconv_hook.install()\n"
        "from ultralytics.nn import tasks\nprint(len(tasks._yolo_dsconv_base_modules))"
    )
    assert run_python(code).stdout.split()[-1] == "3"  # DSConv, ExpandConv, ControlC2f


def test_refusal_messages_in_full(probe):
    class NoChannels(nn.Module):
        def __init__(self, k=3):
            super().__init__()

    expected = (
        f"register_module: {NoChannels.__qualname__}(k=3) must start with (c1, c2, ...) "
        "to receive Conv-like channel arguments"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(expected)}$"):
        register_module(NoChannels)
    with pytest.raises(ValueError, match=r"name='class' is invalid, expected a Python identifier"):
        register_module(Probe, name="class")  # a keyword is no usable YAML name

    class Impostor(Probe):
        pass

    expected = f"register_module: name 'Probe' already means {Probe!r} to the Ultralytics parser; pass another name"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        register_module(Impostor, name="Probe")  # another class under a name this plugin registered
    assert tasks.Probe is Probe


def test_row_checks_cover_the_head_and_leave_other_rows_to_ultralytics():
    from yolo_dsconv.registry import check_rows

    d = tiny_yaml([64])
    d["head"].insert(0, [-1, 1, "ExpandConv", [64, [5], None, 0.5, True, "default", 7]])
    with pytest.raises(ValueError, match=r"^model YAML layer 3 \(ExpandConv\): args=.* has 7 values"):
        check_rows(d)
    assert check_rows(None) is None and check_rows([]) is None  # not a model dict: nothing to check
    short = tiny_yaml([64])
    short["backbone"][0] = [-1, 1]  # a malformed row reaches Ultralytics' own error, not one of ours
    assert check_rows(short) is None
    with pytest.raises(IndexError) as raised:
        DetectionModel(short, verbose=False)
    assert raised.traceback[-1].path.name == "tasks.py"  # raised by Ultralytics' parser, not by the row checks


def test_nothing_is_registered_after_uninstall(monkeypatch):
    from yolo_dsconv import integration
    from yolo_dsconv.registry import check_rows, install

    monkeypatch.delitem(tasks.__dict__, "C3k2")
    rows = {"backbone": [[-1, 1, "Conv", [8, 3, 2]], [-1, 1, "C3k2", [8]]], "head": []}
    with pytest.raises(
        ValueError, match=r"uses C3k2, which ultralytics \S+ does not have: this YAML needs ultralytics>=8\.3\.0$"
    ):
        check_rows(rows)
    integration.uninstall()
    try:
        assert registered_modules() == {}
        with pytest.raises(ValueError, match="'ExpandConv' was not registered by yolo-dsconv"):
            unregister_module("ExpandConv")
    finally:
        install()
    assert set(registered_modules()) == {"DSConv", "ExpandConv", "ControlC2f"}


@pytest.mark.parametrize("first", ["install", "register_module"])
def test_the_row_checks_come_back_with_the_patches_whichever_call_applies_them(first):
    from yolo_dsconv import integration
    from yolo_dsconv.registry import install

    d = tiny_yaml([64, [5], None, 0.5, True, "default", 7])
    d["backbone"][1][2] = "ExpandConv"
    integration.uninstall()
    try:
        install() if first == "install" else register_module(ExpandConv)
        with pytest.raises(ValueError, match=r"layer 1 \(ExpandConv\): args=.* has 7 values, expected at most 6"):
            DetectionModel(d, verbose=False)
    finally:
        install()
    assert set(registered_modules()) == {"DSConv", "ExpandConv", "ControlC2f"}
