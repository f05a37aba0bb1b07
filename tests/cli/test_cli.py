"""`yolo-dsconv` subcommands: info, demo, dataset, errors."""

import re

import pytest

from helpers import run_cmd
from yolo_dsconv.cli.main import main


def test_info_prints_layer_table_and_costs_against_stock():
    proc = run_cmd(["yolo-dsconv", "info", "model=yolov5s-dsconv.yaml"])
    out = proc.stdout + proc.stderr
    assert "yolo_dsconv.modules.expand_conv.ExpandConv" in out  # the layer table
    stock = re.search(r"^yolov5s\.yaml\s+([\d,]+)\s+1\.000\s+([\d.]+)", out, re.M)
    ds = re.search(r"^yolov5s-dsconv\.yaml\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)", out, re.M)
    assert stock and ds, out[-2000:]
    assert int(stock.group(1).replace(",", "")) == 9153152
    assert int(ds.group(1).replace(",", "")) == 9153152 + 942080
    assert (stock.group(2), ds.group(3)) == ("24.00", "24.73")  # the README's cost table
    row = re.search(
        r"^10\s+-1\s+512\s+256\s+512\s+\(5, 7, 9\)\s+\(5, 7, 9\)\s+True\s+\(25, 49, 81\)\s+942,080", out, re.M
    )
    assert row, out[-1500:]


@pytest.mark.parametrize(
    "argv,word",
    [
        (["info", "modle=x.yaml"], "unknown key 'modle'; valid keys: imgsz, model, stock"),
        (["info", "model"], "argument 'model' is not key=value"),
        (["info", "imgsz=100"], "imgsz=100 is invalid"),
        (["info", "model=nosuch-model.yaml"], "info: model='nosuch-model.yaml' is neither an existing file nor a YAML"),
        (["info", "model=nosuch.pt"], "info: model=nosuch.pt is not a file, expected a checkpoint or a model YAML"),
        (
            ["frobnicate"],
            "unknown command 'frobnicate'; valid commands: info, compare, report, keep, sizes, demo, graft, erf, "
            "dataset, bench",
        ),
        (["demo", "epochs=0"], "epochs=0 is invalid"),
        (["compare", "variants=stock,sprase"], "variant 'sprase' is unknown, expected one of stock, dsconv, sparse"),
        (["compare", "seeds=0"], "yolo-dsconv compare: seeds=0 is invalid, expected a positive integer"),
        (["compare", "imgsz=100"], "imgsz=100 is invalid, expected a multiple of 32"),
        (["compare", "name=x"], "unknown key 'name'"),  # set by compare itself, so not a key of the command
        (["compare", "base=yolov8n-cls.yaml"], "variant 'dsconv' needs an SPPF in base=yolov8-cls.yaml"),
    ],
)
def test_bad_command_lines_exit_2_with_a_clear_message(argv, word, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert word in err and len(err.strip().splitlines()) == 1  # one line, no traceback
    assert list(tmp_path.iterdir()) == []  # refused before anything was written (compare's project folder)


def test_dataset_command(tmp_path, capsys):
    assert main(["dataset", f"out={tmp_path / 'd'}", "n_train=2", "n_val=1", "imgsz=32"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "d" / "data.yaml")


NETWORK_GUARD = """
import os, socket
def _refuse(*args, **kwargs):
    with open(os.environ["NETWORK_LOG"], "a") as f:
        f.write(repr(args[1:] or args) + "\\n")
    raise OSError("network disabled by the test")
socket.socket.connect = socket.socket.connect_ex = _refuse
socket.getaddrinfo = socket.create_connection = _refuse
"""


def test_demo_trains_both_models_offline_and_prints_the_table(tmp_path):
    # A fresh config dir without the font the suite pre-seeds, and every network call refused and logged: the demo
    # itself must provide the font (offline.offline_font) and download nothing.
    guard, config, log = tmp_path / "guard", tmp_path / "config", tmp_path / "network.log"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(NETWORK_GUARD)
    env = {"PYTHONPATH": str(guard), "NETWORK_LOG": str(log), "YOLO_CONFIG_DIR": str(config)}
    proc = run_cmd(
        ["yolo-dsconv", "demo", f"project={tmp_path}", "epochs=1", "imgsz=64", "n_train=8", "n_val=4"],
        cwd=tmp_path,
        env=env,
    )
    assert not log.exists(), log.read_text()
    assert "Download" not in proc.stdout + proc.stderr
    assert (config / "Ultralytics" / "Arial.ttf").is_file()
    table = proc.stdout[proc.stdout.index("yolo-dsconv demo:") :]
    rows = [line.split() for line in table.splitlines()[3:5]]
    assert [r[0] for r in rows] == ["yolov5n.yaml", "yolov5n-dsconv.yaml"]
    assert rows[0][1] == "2,654,816" and rows[1][1] == "2,912,864"
    assert all(r[3] == "1" for r in rows) and all(0 <= float(r[5]) <= 1 for r in rows)
    for name in ("yolov5n", "yolov5n-dsconv"):
        assert (tmp_path / name / "weights" / "best.pt").is_file()
        assert (tmp_path / name / "results.csv").is_file()


@pytest.mark.parametrize(
    "command,typo,suggested",
    [
        ("info", "modle=x.yaml", "model=yolov5s-dsconv.yaml"),
        ("graft", "aftr=SPPF", "after=SPPF"),
        ("erf", "sample=4", "samples=200"),
        ("demo", "epoch=3", "epochs=30"),
        ("compare", "seed=3", "seeds=3"),
        ("compare", "varients=stock", "variants=stock,dsconv,sparse,control"),  # as one types it, not a tuple
        ("dataset", "n_trian=4", "n_train=96"),
        ("bench", "thread=1", "threads=2"),
    ],
)
def test_misspelt_key_gets_ultralytics_did_you_mean(command, typo, suggested, capsys):
    assert main([command, typo]) == 2
    err = capsys.readouterr().err
    key = typo.split("=")[0]
    assert f"yolo-dsconv {command}: unknown key {key!r}; valid keys: " in err
    assert f"Similar arguments are i.e. [{suggested!r}" in err or f"'{suggested}'" in err, err
    assert "yolo TASK MODE" not in err  # Ultralytics' own `yolo` help is not printed for our commands


def test_values_are_parsed_as_yolo_parses_them():
    from yolo_dsconv.cli.args import parse_kv

    parsed = parse_kv("x", ["a=[5, 7]", "b", "=", "none", "c=True", "d=yolov8s.yaml", "e=0.5"], dict.fromkeys("abcde"))
    assert parsed == {"a": [5, 7], "b": None, "c": True, "d": "yolov8s.yaml", "e": 0.5}


def test_command_keys_are_the_signature_defaults():
    from yolo_dsconv.cli.args import REQUIRED, defaults_of
    from yolo_dsconv.compare import CompareSettings
    from yolo_dsconv.data import generate_shapes_dataset
    from yolo_dsconv.demo import run_demo
    from yolo_dsconv.yaml_tools import graft_file, graft_text

    assert defaults_of(CompareSettings)["n_train"] == 96 and defaults_of(run_demo)["task"] == "detect"
    assert defaults_of(graft_file)["model"] is REQUIRED and defaults_of(graft_text)["after"] == "SPPF"
    assert defaults_of(generate_shapes_dataset)["n_train"] == 96


def test_graft_to_another_name_builds_at_the_scale_asked_for_without_a_warning(tmp_path):
    # The check build used out='s name, which carries no scale: Ultralytics warned "no model scale passed" after the
    # user asked for yolov8s; it now builds under the input's name, at its scale.
    proc = run_cmd(["yolo-dsconv", "graft", "model=yolov8s.yaml", f"out={tmp_path / 'x.yaml'}"], cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert "no model scale passed" not in out and (tmp_path / "x.yaml").is_file()
