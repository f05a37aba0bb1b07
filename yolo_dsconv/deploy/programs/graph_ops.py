"""Operator types of an exported graph and their counts, bookkeeping operators left out (`OPS <json>`; null where
the format is opaque here). A process of its own: TensorFlow must not meet torch's threads.

    python -m yolo_dsconv.deploy.programs.graph_ops '{"format": "onnx", "path": ".../model.onnx"}'
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

TRIVIAL = {
    "Const", "Identity", "NoOp", "Placeholder", "ReadVariableOp", "VarHandleOp", "StatefulPartitionedCall",
    "PartitionedCall", "Parameter", "Result", "Constant", "Input", "MemoryData", "prim::Constant", "prim::GetAttr",
    "prim::ListConstruct", "prim::TupleConstruct", "prim::NumToTensor", "SaveV2", "RestoreV2", "MergeV2Checkpoints",
    "ShardedFilename", "StringJoin", "StaticRegexFullMatch", "Select", "Pack",
}  # fmt: skip


def _tensorflow_ops(fmt: str, path: Path) -> list[str]:
    from tensorflow.core.framework import graph_pb2
    from tensorflow.core.protobuf import saved_model_pb2

    if fmt == "pb":
        g = graph_pb2.GraphDef.FromString(path.read_bytes())
    else:
        g = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes()).meta_graphs[0].graph_def
    nodes = list(g.node) + [n for f in g.library.function for n in f.node_def if "inference" in f.signature.name]
    return [n.op for n in nodes]


def operators(fmt: str, path: Path) -> list[str] | None:
    """Every operator of the graph at `path` in format `fmt`, in order; None for a format not read here."""
    if fmt == "onnx":
        import onnx

        return [n.op_type for n in onnx.load(str(path)).graph.node]
    if fmt == "openvino":
        return re.findall(r'<layer [^>]*type="([^"]+)"', next(path.glob("*.xml")).read_text())
    if fmt == "ncnn":
        return [ln.split()[0] for ln in (path / "model.ncnn.param").read_text().splitlines()[2:] if ln.strip()]
    if fmt == "litert":
        from ai_edge_litert.interpreter import Interpreter

        return [o["op_name"] for o in Interpreter(str(path))._get_ops_details()]
    if fmt in ("saved_model", "pb"):
        return _tensorflow_ops(fmt, path)
    if fmt == "torchscript":
        import torch

        return [n.kind() for n in torch.jit.load(str(path)).inlined_graph.nodes()]
    return None


def main(args: dict) -> None:
    """Print `OPS` and the counts of the non-trivial operators."""
    ops = operators(args["format"], Path(args["path"]))
    print("OPS", json.dumps(None if ops is None else collections.Counter(o for o in ops if o not in TRIVIAL)))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
