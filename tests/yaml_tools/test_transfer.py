"""Stock weights transfer into a grafted model across the insertion: every tensor but the new layer's."""

import re

import pytest

from helpers import MODEL_YAMLS, REPO, run_python, tiny_train, transferred
from yolo_dsconv.yaml_tools import map_stock_index


def test_map_stock_index():
    assert [map_stock_index(j, [10]) for j in (0, 9, 10, 24)] == [0, 9, 11, 25]
    assert [map_stock_index(j, [3, 5]) for j in (2, 3, 4, 6)] == [2, 4, 6, 8]


@pytest.fixture(scope="module")
def stock_last(tmp_path_factory, shapes_data):
    """last.pt of a stock yolov5n trained one tiny epoch with the plain `yolo` command (no download)."""
    work = tmp_path_factory.mktemp("stock")
    tiny_train("yolov5n.yaml", shapes_data, work, "s")
    return work / "s" / "weights" / "last.pt"


CHECK = """
import re, torch
from ultralytics.nn.tasks import DetectionModel, load_checkpoint
from yolo_dsconv import ExpandConv
from yolo_dsconv.yaml_tools import map_stock_index
src, _ = load_checkpoint({pt!r})
dst = DetectionModel({cfg!r}, nc=4, verbose=False)
dst.load(src)
sd, inserted = dst.state_dict(), dst.yaml["dsconv_inserted"]
mismatch = [k for k, v in src.float().state_dict().items()
            if not torch.equal(v, sd[re.sub(r"^model\\.(\\d+)\\.",
                                            lambda m: f"model.{{map_stock_index(int(m.group(1)), inserted)}}.", k)])]
new = sum(1 for k in sd if k.startswith("model.10."))
print("RESULT", len(mismatch), new, len(sd), isinstance(dst.model[10], ExpandConv))
"""


def test_stock_checkpoint_transfers_every_tensor_but_the_new_layer(stock_last):
    out = run_python(CHECK.format(pt=str(stock_last), cfg=str(MODEL_YAMLS / "yolov5n-dsconv.yaml")))
    text = out.stdout + out.stderr
    mismatch, new, total, is_ec = re.search(r"RESULT (\d+) (\d+) (\d+) (\w+)", text).groups()
    assert mismatch == "0" and is_ec == "True"
    assert transferred(text) == (int(total) - int(new), int(total))
    assert f"not transferred: the {new} tensors of the inserted layer(s)" in text


def test_yolo_train_pretrained_stock_weights(stock_last, shapes_data, tmp_path):
    proc = tiny_train(MODEL_YAMLS / "yolov5n-dsconv.yaml", shapes_data, tmp_path, "ft", f"pretrained={stock_last}")
    x, y = transferred(proc.stdout + proc.stderr)
    assert x == y - 78  # ExpandConv of yolov5n: 78 state tensors (params + BN buffers)
    assert (x, y) == (427, 505) and f"Ultralytics reports `Transferred {x}/{y}`" in (
        REPO / "docs" / "yaml-and-graft.md"
    ).read_text()


def test_stock_source_renumbers_only_a_checkpoint_of_the_stock_model():
    from torch import nn
    from ultralytics.nn.tasks import DetectionModel

    from yolo_dsconv.yaml_tools.transfer import stock_source

    stock = DetectionModel("yolov5n.yaml", nc=4, verbose=False)
    grafted = DetectionModel(str(MODEL_YAMLS / "yolov5n-dsconv.yaml"), nc=4, verbose=False)
    source, inserted, skipped = stock_source(grafted, {"ema": stock, "model": None})
    assert inserted == [10] and skipped == 78
    assert isinstance(source.model[10], nn.Identity) and len(source.model) == len(grafted.model)
    assert source is not stock and len(stock.model) == 25  # a copy: the checkpoint's model is untouched
    src_keys = set(source.state_dict())
    assert src_keys == {k for k in grafted.state_dict() if not k.startswith("model.10.")}
    assert stock_source(grafted, {"ema": None, "model": stock})[1] == [10]  # `model` when there is no EMA
    assert stock_source(grafted, stock)[1] == [10]  # a bare model, as `YOLO(yaml).load(model)` passes it
    assert stock_source(grafted, {"model": grafted}) is None  # the same graft: keys already match
    assert stock_source(stock, {"model": stock}) is None  # no graft record
    other = DetectionModel("yolov8n.yaml", nc=4, verbose=False)
    assert stock_source(grafted, {"model": other}) is None  # not the model this YAML was grafted from
    unrecorded = DetectionModel({k: v for k, v in grafted.yaml.items() if k != "dsconv_inserted"}, verbose=False)
    assert stock_source(unrecorded, {"model": grafted}) is None  # no record on the model loaded into
    assert stock_source(nn.Sequential(), {"model": stock}) is None  # not an Ultralytics model at all


def test_transfer_count_counts_the_tensors_load_takes_by_name_and_shape():
    from ultralytics.nn.tasks import DetectionModel

    from yolo_dsconv import graft
    from yolo_dsconv.yaml_tools.transfer import transfer_count

    stock = DetectionModel("yolov5n.yaml", nc=80, verbose=False)
    grafted = DetectionModel(graft("yolov5n.yaml"), nc=80, verbose=False)
    fewer = DetectionModel("yolov5n.yaml", nc=7, verbose=False)
    every = len(stock.state_dict())
    head = sum(1 for k in stock.state_dict() if k.startswith(f"model.{len(stock.model) - 1}."))
    inserted = sum(1 for k in grafted.state_dict() if k.startswith("model.10."))
    assert transfer_count(stock, stock) == every
    assert transfer_count(grafted, stock) == every  # across the inserted layer: every stock tensor finds its place
    assert transfer_count(grafted, {"model": stock, "ema": None}) == every  # a checkpoint dict, its model
    assert transfer_count(stock, {"model": fewer, "ema": stock}) == every  # the EMA wins when it is there
    ours, theirs = stock.state_dict(), fewer.state_dict()
    differ = [k for k in ours if ours[k].shape != theirs[k].shape]  # the class branch, sized by nc
    assert differ and all(k.startswith(f"model.{len(stock.model) - 1}.cv3.") for k in differ)
    assert transfer_count(stock, fewer) == every - len(differ)
    assert transfer_count(stock, {"model": fewer, "ema": None}) == every - len(differ)  # no EMA: the model
    assert transfer_count(grafted, grafted) == every + inserted and 0 < head < every
