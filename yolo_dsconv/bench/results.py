"""What a benchmark run produces: typed rows, the ratio of each row to its reference, the README's speed targets
evaluated on them, and the CSV/JSON files."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .variants import FUSED_PRUNED, POINTWISE, TRAIN_PRUNED, TRAIN_UNPRUNED

__all__ = ("REFERENCES", "TARGETS", "BenchResult", "Row", "Target", "TargetResult", "add_ratios", "evaluate")


@dataclass
class Row:
    """One median timing: `part` (module fwd, train step, model fwd, ...), input `shape`, `variant`, milliseconds;
    params and GFLOPs where counted; `ratio` = ms / the ms of `ratio_to` on the same part and shape."""

    part: str
    shape: str
    variant: str
    ms: float
    params: int | None = None
    gflops: float | None = None
    ratio: float | None = None
    ratio_to: str | None = None


# The reference each part's ratios are taken to; a model's is its stock model, a depthwise probe names its own.
REFERENCES = {"module fwd": POINTWISE, "train step": TRAIN_UNPRUNED, "python -c pass": "hook off"}


def _reference(row: Row) -> str:
    return row.ratio_to or REFERENCES.get(row.part) or row.variant.replace("-dsconv", "")


def _ms(rows: list[Row], part: str, shape: str, variant: str) -> float | None:
    return next((r.ms for r in rows if (r.part, r.shape, r.variant) == (part, shape, variant)), None)


def add_ratios(rows: list[Row]) -> list[Row]:
    """Set each row's ratio to its reference (None when the reference was not measured); returns `rows`."""
    for r in rows:
        r.ratio_to = _reference(r)
        ref = _ms(rows, r.part, r.shape, r.ratio_to)
        r.ratio = None if ref is None else r.ms / ref
    return rows


@dataclass(frozen=True)
class Target:
    """A README speed target: ms(variant) / ms(reference) on `part` at `shape` must stay ≤ `limit`; with limit None
    the limit is the GFLOPs ratio + `slack` (a model costs at most its extra arithmetic)."""

    name: str
    part: str
    shape: str
    variant: str
    reference: str
    limit: float | None = None
    slack: float = 0.01


@dataclass(frozen=True)
class TargetResult:
    target: Target
    measured: float
    limit: float

    @property
    def met(self) -> bool:
        return self.measured <= self.limit

    def cells(self) -> list[str]:
        return [self.target.name, f"{self.measured:.3f}", f"≤ {self.limit:.3f}", "met" if self.met else "MISSED"]


TARGETS = (
    Target("fused ExpandConv / its 1x1 convs, fwd 1x512x20x20", "module fwd", "1x512x20x20", FUSED_PRUNED, POINTWISE,
           1.3),
    Target("pruned / unpruned train step 8x512x20x20", "train step", "8x512x20x20", TRAIN_PRUNED, TRAIN_UNPRUNED, 0.9),
    Target("pruned / unpruned train step 8x512x8x8", "train step", "8x512x8x8", TRAIN_PRUNED, TRAIN_UNPRUNED, 0.75),
    Target("yolov5s-dsconv / yolov5s latency at 640", "model fwd", "1x3x640x640", "yolov5s-dsconv", "yolov5s"),
)  # fmt: skip


def evaluate(rows: list[Row], targets: tuple[Target, ...] = TARGETS) -> list[TargetResult]:
    """The targets whose rows this run measured, each with its measured ratio and limit."""
    out = []
    for t in targets:
        a, b = (next((r for r in rows if (r.part, r.shape, r.variant) == (t.part, t.shape, v)), None)
                for v in (t.variant, t.reference))  # fmt: skip
        if a is None or b is None:
            continue
        limit = t.limit if t.limit is not None else a.gflops / b.gflops + t.slack
        out.append(TargetResult(t, a.ms / b.ms, limit))
    return out


@dataclass
class BenchResult:
    """A benchmark run: where it ran, its rows (with ratios) and the targets it could evaluate."""

    environment: dict
    rows: list[Row]
    targets: list[TargetResult] = field(default_factory=list)

    def stem(self) -> str:
        env = self.environment
        precision = "amp" if env["amp"] else env["dtype"]
        return f"bench_{env['device'].replace(':', '')}_{precision}{'_cl' if env['channels_last'] else ''}"

    def write(self, out: str | Path) -> tuple[Path, Path]:
        """Write `<stem>.csv` (the rows) and `<stem>.json` (environment, rows, targets) under `out`."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        csv_path, json_path = out / f"{self.stem()}.csv", out / f"{self.stem()}.json"
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=[x.name for x in fields(Row)])
            w.writeheader()
            w.writerows(asdict(r) for r in self.rows)
        document = {"environment": self.environment, "rows": [asdict(r) for r in self.rows],
                    "targets": [t.cells() for t in self.targets]}  # fmt: skip
        json_path.write_text(json.dumps(document, indent=1))
        return csv_path, json_path
