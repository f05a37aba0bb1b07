"""The files and the table of a comparison: compare.csv (one row per run), compare.json, compare.png."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..cli.table import format_table
from .runs import RunResult

__all__ = ("CSV_COLUMNS", "format_summary", "markdown_summary", "plot", "write_csv", "write_json")

CSV_COLUMNS = (
    "variant",
    "seed",
    "status",
    "epochs",
    "best_epoch",
    "map50",
    "map50_95",
    "train_s",
    "resumed_from",
    "save_dir",
)


def write_csv(path: Path, runs: list[RunResult]) -> None:
    """One row per run, in CSV_COLUMNS order."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for r in runs:
            writer.writerow([getattr(r, c) for c in CSV_COLUMNS])


def _clean(value: Any) -> Any:
    """JSON has no nan or inf: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json(path: Path, config: dict, runs: list[RunResult], summary: list[dict]) -> None:
    """The configuration, every run (with its curve) and the per-variant summary."""
    document = {"config": config, "runs": [asdict(r) for r in runs], "summary": summary}
    path.write_text(json.dumps(_clean(document), indent=1))


def _interval(d: dict) -> str:
    if d["low"] is None or math.isnan(d["low"]):
        return f"{d['delta']:+.3f} (no interval)"
    return f"{d['delta']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"


def _mean_std(m: dict) -> str:
    """'mean ± std', or the mean alone when there is no std (one seed: nan in memory, null in JSON)."""
    if m["std"] is None or math.isnan(m["std"]):
        return f"{m['mean']:.3f}"
    return f"{m['mean']:.3f} ± {m['std']:.3f}"


def format_summary(summary: list[dict], level: float) -> str:
    """The printed table: costs, mean ± std per metric, and each difference from the first variant."""
    pct = f"{level:.0%}"
    rows = []
    for s in summary:
        row = [s["variant"], f"{s['params']:,}", f"{s['gflops']:.2f}", s["n"]]
        row += [_mean_std(s["map50"]), _mean_std(s["map50_95"])]
        for key in ("map50", "map50_95"):
            d = s.get(f"vs_{key}")
            row += ["reference", ""] if d is None else [_interval(d), d["verdict"]]
        rows.append(row)
    header = ["variant", "params", "GFLOPs@640", "seeds", "mAP50", "mAP50-95"]
    header += [f"Δ mAP50 [{pct} CI]", "verdict mAP50", f"Δ mAP50-95 [{pct} CI]", "verdict mAP50-95"]
    return format_table(header, rows)


def markdown_summary(doc: dict) -> str:
    """The summary of a compare.json as a Markdown table (the README's evidence tables are this, pasted)."""
    level = doc["config"]["level"]
    pct = f"{level:.0%}"
    header = ["variant", "params", "GFLOPs@640", "seeds", "mAP50", "mAP50-95"]
    header += [f"Δ mAP50 [{pct} CI]", f"Δ mAP50-95 [{pct} CI]", "verdict (mAP50-95)"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for s in doc["summary"]:
        cells = [s["variant"], f"{s['params']:,}", f"{s['gflops']:.2f}", str(s["n"])]
        cells += [_mean_std(s["map50"]), _mean_std(s["map50_95"])]
        for key in ("map50", "map50_95"):
            d = s.get(f"vs_{key}")
            cells.append("reference" if d is None else _interval(d))  # _interval reads a null bound as no interval
        cells.append(s["vs_map50_95"]["verdict"] if "vs_map50_95" in s else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(path: Path, runs: list[RunResult], summary: list[dict], metric: str, level: float) -> None:
    """Left: the metric per variant, every seed a dot, the mean with its t-interval; right: the mean validation
    curve of the metric per variant with a ±1 std band over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from scipy.stats import t

    key = metric.replace("-", "_")
    label = {"map50": "mAP50", "map50_95": "mAP50-95"}[key]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, s in enumerate(summary):
        values = [getattr(r, key) for r in runs if r.variant == s["variant"]]
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else [0.0]
        left.scatter(i + np.asarray(jitter), values, s=22, alpha=0.7, zorder=3)
        m = s[key]
        if m["n"] > 1:
            half = float(t.ppf(0.5 + level / 2, m["n"] - 1)) * m["std"] / math.sqrt(m["n"])
            left.errorbar(i + 0.3, m["mean"], yerr=half, fmt="o", color="black", capsize=4, zorder=4)
        else:
            left.plot(i + 0.3, m["mean"], "o", color="black")
        curves = [r.curve for r in runs if r.variant == s["variant"] and r.curve]
        length = min(len(c) for c in curves)
        stack = np.array([c[:length] for c in curves])
        mean, std = stack.mean(0), stack.std(0, ddof=1) if len(stack) > 1 else np.zeros(length)
        epochs = np.arange(1, length + 1)
        right.plot(epochs, mean, label=f"{s['variant']} (n={len(stack)})")
        right.fill_between(epochs, mean - std, mean + std, alpha=0.2)
    left.set_xticks(range(len(summary)), [s["variant"] for s in summary])
    left.set_ylabel(f"best-epoch {label}")
    left.set_title(f"each seed (dots); mean and {level:.0%} t-interval (black)")
    right.set_xlabel("epoch")
    right.set_ylabel(f"validation {label}")
    right.set_title("mean over seeds, band ±1 std")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
