"""The export matrix's tables: per (model, size, runtime) its parity, its latency ratios against their limits and its
graph operators (export_matrix.md), the README's summary per runtime, and the split of dsconv's cost into what
dilation and what the depthwise-separable structure cost."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from .formats import MERGED, package_versions, runtimes_of

__all__ = ("CONTROLS", "explanation", "limit", "ops_change", "ratio", "span", "summary", "write_tables")

# what each derived model is timed against: (numerator, denominator) of its latency ratio
CONTROLS = {"dsconv-baked": ("dsconv-baked", "dsconv"), "dsconv-undilated": ("dsconv", "dsconv-undilated")}


def limit(row: dict, run: str) -> float:
    """The latency limit: 1 + dsconv's GFLOPs overhead + 0.02, pruned taps in eager PyTorch, full kernels in exports."""
    return row["gflops_ratio"]["pruned" if run == "pytorch" else "full"] + 0.02


def ratio(medians: dict, a: str, b: str) -> str:
    """medians[a] / medians[b] to 3 decimals, '-' where either is missing.

    >>> ratio({"dsconv": 2.2, "stock": 2.0}, "dsconv", "stock"), ratio({}, "dsconv", "stock")
    ('1.100', '-')
    """
    return f"{medians[a] / medians[b]:.3f}" if {a, b} <= set(medians) else "-"


def ops_change(stock: dict | None, dsconv: dict | None) -> str:
    """'n → m' graph operators, with the operator types that only the dsconv graph has (and their counts)."""
    if not stock or not dsconv:
        return "-"
    new = ", ".join(f"{k} {v}" for k, v in dsconv.items() if k not in stock)
    return f"{sum(stock.values())} → {sum(dsconv.values())}" + (f" ({new})" if new else "")


def span(cells: list[tuple[dict, dict]], a: str, b: str) -> str:
    """'min–max' of medians[a] / medians[b] over (row, medians) cells; '-' where no cell has both."""
    vals = [m[a] / m[b] for _, m in cells if {a, b} <= set(m)]
    return f"{min(vals):.3f}–{max(vals):.3f}" if vals else "-"


def _line(r: dict, run: str) -> str:
    """One row of export_matrix.md: a model at a size in one runtime."""
    ex = r["export"]
    exp = " / ".join("ok" if ex[v]["ok"] else "fails" for v in ("stock", "dsconv"))
    got = r.get(run, {})
    par = {v: got.get("parity", {}).get(v, {}) for v in ("stock", "dsconv")}
    med = got.get("medians") or {}
    lat, baked, dil = (ratio(med, a, b) for a, b in (("dsconv", "stock"), *CONTROLS.values()))
    merged = got.get("merged") or {}
    mq = merged.get("parity", {}).get(MERGED, {})
    mer = ratio(merged.get("medians") or {}, MERGED, "dsconv") + (f" ({mq['box']:.0e})" if "box" in mq else "")
    p = [f"{q['box']:.1e} / {q['cls']:.1e}" if "box" in q else "fails" if got else "-" for q in par.values()]
    if run == "pytorch":
        p = ["reference", "reference"]
    return (
        f"| {r['family']} | {r['imgsz']} | {run} | {exp} | {p[0]} | {p[1]} | {lat} | {limit(r, run):.3f} "
        f"| {baked} | {dil} | {mer} | {ops_change(ex['stock'].get('ops'), ex['dsconv'].get('ops'))} |"
    )


def write_tables(rows: list[dict], out: Path) -> None:
    """export_matrix.json (everything) and export_matrix.md (the tables) at `out` with those suffixes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "packages": package_versions(),
    }
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [
        "| model | imgsz | runtime | export stock / dsconv | parity stock: box / cls | parity dsconv: box / cls "
        "| latency dsconv/stock | limit | latency baked/full dsconv | latency dilated/undilated dsconv "
        "| latency merged/branches dsconv (parity) | graph ops stock → dsconv (op types only in dsconv) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_line(r, run) for r in rows for run in runtimes_of(r["format"])]
    text = [*lines, "", *summary(rows), "", *explanation(rows)]
    out.with_suffix(".md").write_text("\n".join(text) + "\n")


def _worst_parity(these: list[dict], run: str) -> str:
    par = [r.get(run, {}).get("parity", {}).get("dsconv", {}) for r in these]
    if any("box" in q for q in par):
        return " / ".join(f"{max(q[k] for q in par if k in q):.0e}" for k in ("box", "cls"))
    return "reference" if run == "pytorch" else "-"


def summary(rows: list[dict]) -> list[str]:
    """The README's table: one line per runtime, dsconv/stock latency per model and size, worst dsconv parity."""
    cols = list(dict.fromkeys(f"{r['family']} {r['imgsz']}" for r in rows))
    runs = list(dict.fromkeys(run for r in rows for run in runtimes_of(r["format"])))
    lines = [
        "| runtime | exports (dsconv) | worst parity box / cls (dsconv) | "
        + " | ".join(f"latency {c} (limit)" for c in cols)
        + " |",
        "|---|---|---|" + "---|" * len(cols),
    ]
    for run in runs:
        these = [r for r in rows if run in r or r["format"] == run]
        fmt_rows = [r for r in rows if r["format"] == run.replace("-f32", "")]
        exported = sum(r["export"]["dsconv"]["ok"] for r in fmt_rows)
        cells = []
        for c in cols:
            r = next((r for r in these if f"{r['family']} {r['imgsz']}" == c), None)
            med = (r or {}).get(run, {}).get("medians") or {}
            cells.append(
                f"{ratio(med, 'dsconv', 'stock')} ({limit(r, run):.3f})" if {"stock", "dsconv"} <= set(med) else "-"
            )
        lines.append(
            f"| {run} | {exported}/{len(fmt_rows)} | {_worst_parity(these, run)} | " + " | ".join(cells) + " |"
        )
    return lines


def explanation(rows: list[dict]) -> list[str]:
    """Per runtime, over its model × size cells: how many exceed the limit and the range of dsconv/stock split into
    what dilation costs (dsconv/undilated) and what the structure costs (undilated/stock, same FLOPs as dsconv's full
    kernels)."""
    lines = [
        "| runtime | cells over the limit | dsconv/stock | dilation: dsconv/undilated "
        "| structure: undilated/stock | GFLOPs dsconv/stock (full kernels) | exact merged form: merged/branches |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in dict.fromkeys(run for r in rows for run in runtimes_of(r["format"])):
        cells = [(r, r[run]["medians"]) for r in rows if (r.get(run) or {}).get("medians")]
        if not cells:
            continue
        over = sum(m["dsconv"] / m["stock"] > limit(r, run) for r, m in cells)
        flops = [r["gflops_ratio"]["full"] for r, _ in cells]
        merged = [(r, (r[run].get("merged") or {}).get("medians") or {}) for r, _ in cells]
        columns = [
            span(cells, "dsconv", "stock"),
            span(cells, *CONTROLS["dsconv-undilated"]),
            span(cells, "dsconv-undilated", "stock"),
            f"{min(flops):.3f}–{max(flops):.3f}",
            span(merged, MERGED, "dsconv"),
        ]
        lines.append(f"| {run} | {over}/{len(cells)} | {' | '.join(columns)} |")
    return lines
