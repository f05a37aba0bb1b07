"""The benchmark runs end to end on a tiny configuration and writes its table, CSV and JSON."""

import json
import time

import pytest
import torch

from yolo_dsconv.bench import interleaved_medians
from yolo_dsconv.cli.main import main


def test_interleaved_medians_orders_by_cost():
    t = interleaved_medians({"slow": lambda: time.sleep(0.004), "fast": lambda: None}, rounds=5, warmup=1)
    assert t["slow"] > 0.003 > t["fast"]


def test_bench_quick_end_to_end(tmp_path, capsys):
    assert main(["bench", "quick=True", "rounds=2", "parts=module,train,model", f"out={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "ExpandConv fused pruned" in out and "1x1 convs alone (fused)" in out and "yolov5n-dsconv" in out
    data = json.loads((tmp_path / "bench_cpu_fp32.json").read_text())
    parts = {r["part"] for r in data["rows"]}
    assert parts == {"module fwd", "train step", "model fwd"}
    assert all(r["ms"] > 0 for r in data["rows"])
    variants = {r["variant"] for r in data["rows"] if r["part"] == "module fwd"}
    assert {
        "ExpandConv fused pruned",
        "ExpandConv fused unpruned",
        "ExpandConv dense=False fused",
        "SPPF fused",
        "ExpandConv unfused pruned",
        "ExpandConv unfused unpruned",
        "1x1 convs alone (fused)",
    } == variants
    assert (tmp_path / "bench_cpu_fp32.csv").read_text().startswith("part,shape,variant,ms")


def test_bench_rejects_unknown_part(capsys):
    assert main(["bench", "parts=module,gpu"]) == 2
    assert "parts='module,gpu' is invalid" in capsys.readouterr().err


def test_targets_evaluate_the_readme_limits_on_given_rows():
    from yolo_dsconv.bench import Row
    from yolo_dsconv.bench.results import evaluate

    rows = [
        Row("module fwd", "1x512x20x20", "ExpandConv fused pruned", 13.0),
        Row("module fwd", "1x512x20x20", "1x1 convs alone (fused)", 10.0),
        Row("train step", "8x512x20x20", "ExpandConv pruned", 8.0),
        Row("train step", "8x512x20x20", "ExpandConv unpruned", 10.0),
        Row("train step", "8x512x8x8", "ExpandConv pruned", 7.6),
        Row("train step", "8x512x8x8", "ExpandConv unpruned", 10.0),
        Row("model fwd", "1x3x640x640", "yolov5s", 100.0, gflops=24.0),
        Row("model fwd", "1x3x640x640", "yolov5s-dsconv", 104.0, gflops=24.72),
    ]
    assert [t.cells() for t in evaluate(rows)] == [
        ["fused ExpandConv / its 1x1 convs, fwd 1x512x20x20", "1.300", "≤ 1.300", "met"],
        ["pruned / unpruned train step 8x512x20x20", "0.800", "≤ 0.900", "met"],
        ["pruned / unpruned train step 8x512x8x8", "0.760", "≤ 0.750", "MISSED"],
        ["yolov5s-dsconv / yolov5s latency at 640", "1.040", "≤ 1.040", "met"],
    ]
    assert evaluate(rows[:2]) == [evaluate(rows)[0]]  # a target whose rows were not run is left out


def test_every_target_names_variants_the_benchmark_measures():
    """A renamed variant must not silently drop its target: every target's rows are produced by the parts."""
    from yolo_dsconv.bench import TARGETS
    from yolo_dsconv.bench.variants import TRAIN_DENSE_FALSE, TRAINED, module_variants

    measured = {"module fwd": set(module_variants(8)), "train step": {*TRAINED, TRAIN_DENSE_FALSE},
                "model fwd": {"yolov5s", "yolov5s-dsconv"}}  # fmt: skip
    for t in TARGETS:
        assert {t.variant, t.reference} <= measured[t.part], t.name


def test_ratios_are_taken_to_each_parts_reference():
    from yolo_dsconv.bench import Row
    from yolo_dsconv.bench.results import add_ratios

    rows = add_ratios([
        Row("model fwd", "1x3x64x64", "yolov5n", 10.0), Row("model fwd", "1x3x64x64", "yolov5n-dsconv", 11.0),
        Row("dw fwd", "1x8x8x8", "DW 5x5 d3", 6.0, ratio_to="DW 5x5 d1"), Row("dw fwd", "1x8x8x8", "DW 5x5 d1", 3.0),
        Row("train step", "2x8x8x8", "ExpandConv pruned", 4.0),
    ])  # fmt: skip
    assert [(r.ratio_to, r.ratio) for r in rows] == [
        ("yolov5n", 1.0), ("yolov5n", 1.1), ("DW 5x5 d1", 2.0), ("DW 5x5 d1", 1.0), ("ExpandConv unpruned", None),
    ]  # fmt: skip


def test_bench_startup_part_times_the_hook_on_and_off(tmp_path, capsys):
    assert main(["bench", "parts=startup", "rounds=3", f"out={tmp_path}"]) == 0
    rows = json.loads((tmp_path / "bench_cpu_fp32.json").read_text())["rows"]
    assert {(r["part"], r["variant"]) for r in rows} == {("python -c pass", "hook on"), ("python -c pass", "hook off")}
    assert all(5 < r["ms"] < 5000 for r in rows)
    ratio = next(r["ratio"] for r in rows if r["variant"] == "hook on")
    assert ratio == next(r["ms"] for r in rows if r["variant"] == "hook on") / next(
        r["ms"] for r in rows if r["variant"] == "hook off"
    )


def test_bench_model_train_and_dw_parts_under_amp(tmp_path, capsys):
    """The whole-model training step (stock vs dsconv) and the dilation probe, with AMP (bf16 autocast on CPU)."""
    assert main(["bench", "quick=True", "rounds=3", "amp=True", "parts=model_train,dw", f"out={tmp_path}"]) == 0
    data = json.loads((tmp_path / "bench_cpu_amp.json").read_text())
    assert data["environment"]["amp"] is True
    rows = data["rows"]
    train = {r["variant"]: r for r in rows if r["part"] == "model train step"}
    assert set(train) == {"yolov5n", "yolov5n-dsconv"} and train["yolov5n-dsconv"]["ratio_to"] == "yolov5n"
    dw = [r for r in rows if r["part"] in ("dw fwd", "dw train")]
    assert {r["variant"] for r in dw} >= {
        "DW 5x5 d5",
        "DW 5x5 d1",
        "DW 21x21 d1 zero-filled",
        "DW 73x73 d1 zero-filled",
    }
    for r in dw:  # each form is a ratio to the dense kernel with the same taps, in the same run
        ref = next(x for x in dw if x["part"] == r["part"] and x["variant"] == r["ratio_to"])
        assert r["ratio"] == r["ms"] / ref["ms"] and r["ratio_to"].endswith("d1") and "x" in r["ratio_to"]


def test_dilated_variants_compute_the_same_function():
    from yolo_dsconv.bench.depthwise import dilated_variants

    convs = dilated_variants(3, 5, 4)
    x = torch.randn(1, 3, 12, 12)
    with torch.no_grad():
        y = {k: m(x) for k, m in convs.items()}
    torch.testing.assert_close(y["DW 17x17 d1 zero-filled"], y["DW 5x5 d4"])
    assert y["DW 5x5 d1"].shape == y["DW 5x5 d4"].shape


@pytest.mark.parametrize(
    "argv,message",
    [
        (["device=0"], "device=0 asks for CUDA"),
        (["device=cuda:x"], "device='cuda:x' is invalid, expected cpu, a CUDA index such as 0, or cuda:0"),
        (["device=tpu"], "device='tpu' is invalid"),
        (["amp=True", "dtype=fp16"], "amp=True with dtype=fp16 is invalid, expected dtype=fp32"),
        (["amp=yes"], "amp='yes' is invalid, expected True or False"),
    ],
)
def test_bench_refuses_bad_device_and_amp(argv, message, capsys):
    if argv == ["device=0"] and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["bench", "parts=dw", *argv]) == 2
    assert message in capsys.readouterr().err


def test_torch_device_reads_ultralytics_spellings():
    from yolo_dsconv.bench.steps import torch_device

    assert torch_device("cpu") == torch.device("cpu") and torch_device(" CPU ") == torch.device("cpu")
    if torch.cuda.is_available():
        assert torch_device(0) == torch_device("0") == torch.device("cuda:0")


def test_fused_module_variants_are_what_model_fuse_makes_and_match_the_unfused_module():
    import torch

    from yolo_dsconv.bench.variants import (
        DENSE_FALSE_FUSED,
        FUSED_PRUNED,
        FUSED_UNPRUNED,
        UNFUSED_PRUNED,
        module_variants,
    )

    variants = module_variants(16)
    assert all(variants[name].merged for name in (FUSED_PRUNED, FUSED_UNPRUNED, DENSE_FALSE_FUSED))
    assert not variants[UNFUSED_PRUNED].merged
    x = torch.rand(1, 16, 10, 10)
    with torch.no_grad():
        torch.testing.assert_close(variants[FUSED_PRUNED](x), variants[UNFUSED_PRUNED](x), rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(variants[FUSED_UNPRUNED](x), variants[UNFUSED_PRUNED](x), rtol=1e-4, atol=1e-4)
