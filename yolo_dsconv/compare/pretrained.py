"""compare's `pretrained=`: every variant starts from the same weights, checked before anything is written.

The file is sorted without unpickling it (`checkpoints.checkpoint_kind`), read once (a classic YOLOv5 file through
the restricted reader), and each planned variant is built from its YAML text in memory to count the tensors it
would take. The reference transferring less than half of its tensors outside the head means the weights are for
another architecture; a variant taking fewer than the reference means its graft lost a shared layer. Both are
refused here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from ..checkpoints import CLASSIC, ULTRALYTICS, CheckpointError, checkpoint_kind
from ..yaml_tools.transfer import transfer_count
from .errors import CompareError
from .variants import Variant

__all__ = ("LEAST_SHARE", "Pretrained", "built_in_memory", "check_pretrained")

LEAST_SHARE = 0.5  # the reference must take at least this share of its tensors outside the head


@dataclass(frozen=True)
class Pretrained:
    """The weights every variant starts from: absolute path, sha256, kind (classic or ultralytics), and the tensors
    each variant takes (variant name -> count)."""

    file: str
    sha256: str
    kind: str
    transferred: dict[str, int]

    def record(self) -> dict:
        """How `compare_config.json` records them (the path lives in the training arguments)."""
        return {"sha256": self.sha256, "kind": self.kind, "transferred": self.transferred}


def built_in_memory(v: Variant, scale: str) -> torch.nn.Module:
    """The variant's model, built in memory from its YAML text (or its file), at `scale`."""
    from ultralytics.nn.tasks import DetectionModel

    text = v.text if v.text is not None else Path(v.model).read_text()
    return DetectionModel({**yaml.safe_load(text), "scale": scale}, verbose=False)


def check_pretrained(
    file: str | Path, planned: list[Variant], scale: str, reference: torch.nn.Module | None = None
) -> Pretrained:
    """Check `pretrained=file` against the planned variants (the first is the reference, `reference` its model when
    already built); writes nothing.

    Raises:
        CompareError: the file is missing, unsafe, neither an Ultralytics nor a classic YOLOv5 checkpoint, for
            another architecture, or a variant takes fewer of its tensors than the reference.
    """
    from ultralytics.nn.tasks import load_checkpoint

    path = Path(file).resolve()
    try:
        kind = checkpoint_kind(path)
    except CheckpointError as e:
        raise CompareError(f"compare: pretrained={file}: {e}") from None
    if kind not in (CLASSIC, ULTRALYTICS):
        raise CompareError(
            f"compare: pretrained={file} is neither an Ultralytics nor a classic YOLOv5 checkpoint, expected one"
        )
    weights, _ = load_checkpoint(path)
    counts = {}
    for v in planned:
        model = reference if v is planned[0] and reference is not None else built_in_memory(v, scale)
        counts[v.name] = transfer_count(model, weights)
        v.transferred = counts[v.name]
        if v is planned[0]:
            head = sum(1 for k in model.state_dict() if k.startswith(f"model.{len(model.model) - 1}."))
            body = len(model.state_dict()) - head
            if counts[v.name] < LEAST_SHARE * body:
                raise CompareError(
                    f"compare: pretrained={file} transfers {counts[v.name]} of the {body} tensors outside the head "
                    f"of {v.name} ({Path(v.model).name}): it holds weights for another architecture"
                )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for v in planned:
        v.weights_sha256 = digest
    ref = planned[0]
    short = [f"{v.name} {counts[v.name]}" for v in planned[1:] if counts[v.name] < counts[ref.name]]
    if short:
        raise CompareError(
            f"compare: pretrained={file}: {', '.join(short)} tensors transferred, fewer than {ref.name}'s "
            f"{counts[ref.name]}; every variant must keep the reference's shared layers"
        )
    return Pretrained(str(path), digest, kind, counts)
