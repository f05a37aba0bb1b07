"""The files and the tables of a comparison: compare.csv (one row per run), compare.json, compare.md, compare.png.

The printed table holds the selected metric only and fits 120 columns; compare.md holds every statistic of both
metrics. Both are followed by the same notes: convergence, how the verdicts were reached, the seeds it would take.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..table import format_table
from .convergence import AT_FLOOR, CONVERGED, MIN_EPOCHS, NO_TAKEOFF, RISING, TAIL, TAKEOFF, TOO_SHORT, tail_gain
from .runs import LABELS, RunResult
from .stats import (
    BOOTSTRAP_METHOD,
    CEILING,
    EQUIVALENT,
    MIN_PAIRS_FOR_R,
    NO_INTERVAL,
    NOT_WORSE,
    POWER,
    UNDECIDED,
    Difference,
    Spread,
    missing,
)
from .summary import DEFAULT_MARGIN, FLOOR, Summary, VariantSummary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = (
    "CSV_COLUMNS",
    "caption",
    "clean_json",
    "figure",
    "format_summary",
    "markdown_runs",
    "markdown_summary",
    "notes",
    "plot",
    "run_time",
    "write_csv",
    "write_json",
    "write_markdown",
)

WIDTH = 120  # the printed table and its notes fit a terminal this wide
STEEPEST = 3  # rising runs named in the note, largest tail gain first
INTERIM = "†"  # marks an interim verdict: read before every run of its variant and the reference finished
LARGE_STUDY = 100  # seeds per variant beyond which the spread, not the seed count, is what to change
CSV_COLUMNS = (
    "variant",
    "seed",
    "status",
    "convergence",
    "epochs",
    "best_epoch",
    "map50",
    "map50_95",
    "train_s",
    "resumed_from",
    "attempts",
    "backend",
    "host",
    "device",
    "threads",
    "started",
    "ended",
    "save_dir",
    "transferred",
    "pretrained_sha256",
    "cpu",
)


def write_csv(path: Path, runs: list[RunResult]) -> None:
    """One row per run, in CSV_COLUMNS order."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for r in runs:
            writer.writerow([getattr(r, c) for c in CSV_COLUMNS])


def clean_json(value: Any) -> Any:
    """JSON has no nan or inf: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def write_json(path: Path, config: dict, summary: Summary, extra: dict | None = None) -> None:
    """The configuration, every run (with its curve and convergence), the per-variant summary, and `extra`'s keys
    (compare sizes=True: `sizes`)."""
    document = {"config": config, "runs": [asdict(r) for r in summary.runs], "summary": summary.to_json()}
    document |= extra or {}
    path.write_text(json.dumps(clean_json(document), indent=1))


def _mean_std(m: Spread) -> str:
    """'mean ± std', or the mean alone when there is no std (one seed)."""
    return f"{m.mean:.3f}" if missing(m.std) else f"{m.mean:.3f} ± {m.std:.3f}"


def _interval(delta: float, low: float, high: float) -> str:
    return f"{delta:+.3f} (no interval)" if missing(low) else f"{delta:+.3f} [{low:+.3f}, {high:+.3f}]"


def _verdict(d: Difference, s: Summary, row: VariantSummary) -> str:
    """The verdict as printed: equivalent names its margin, undecided the seeds that would decide it, a star marks a
    comparison with runs that did not converge, and a dagger one with runs not finished yet (interim)."""
    text = d.verdict
    if text == NO_INTERVAL:
        return "no interval (1 seed)"
    if text == EQUIVALENT:
        text = f"equivalent ±{d.margin:g}"
    elif text == NOT_WORSE:
        text = f"not worse by >{d.margin:g} (ceiling: ≤{d.headroom:+.3f})"
    elif text == UNDECIDED and not missing(d.seeds_needed):
        text = f"undecided (~{d.seeds_needed:.0f} seeds)"
    return text + ("*" if _starred(s, row) else "") + (INTERIM if s.interim(row) else "")


def _starred(s: Summary, row: VariantSummary) -> bool:
    return row.converged < row.n or s.reference.converged < s.reference.n


def _pct(level: float) -> str:
    return f"{level:.1%}".replace(".0%", "%")


def format_summary(s: Summary) -> str:
    """The printed table of the selected metric (at most 120 columns), then the notes."""
    key, label = s.key, LABELS[s.key]
    rows = []
    for r in s.rows:
        d = r.vs.get(key)
        row = [r.variant, f"{r.costs.params:,}", f"{r.costs.gflops:.2f}", f"{r.converged}/{r.n}"]
        row.append(_mean_std(r.spreads[key]))
        if d is None:
            row += ["reference", "", ""]
        else:
            row += [_interval(d.delta, d.low, d.high), "-" if missing(d.p_improve) else f"{d.p_improve:.2f}"]
            row.append(_verdict(d, s, r))
        rows.append(row)
    header = ["variant", "params", f"GFLOPs@{s.rows[0].costs.imgsz}", "converged", label]
    header += [f"Δ [{_pct(s.level)} CI]", "P(>ref)", "verdict"]
    wrapped = [textwrap.fill(n, WIDTH, subsequent_indent="  ") for n in notes(s)]
    return format_table(header, rows) + "\n\n" + "\n".join(wrapped)


def _f(x: float, spec: str = ".3f") -> str:
    return "–" if missing(x) else format(x, spec)


def _reading(d: Difference) -> str:
    """Which test decided: paired (over the per-seed differences) or Welch."""
    return "paired t" if getattr(d, "paired", False) else "Welch"


def markdown_summary(s: Summary) -> str:
    """Every statistic of both metrics as a Markdown table (compare.md; the README's evidence tables are this)."""
    pct = _pct(s.level)
    header = ["variant", "metric", "seeds", "converged", "mean ± std", "median", f"Δ mean, {pct} CI"]
    header += [f"bootstrap {pct} CI", "Δ median", f"P(>ref) [{pct} CI]", "p (Holm)", f"TOST ±{s.margin:g} p"]
    header += [f"seeds for {POWER:.0%} power", "verdict", "reading", f"Welch {pct} CI (second reading)", "r"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for r in s.rows:
        for k in (s.key, *(k for k in LABELS if k != s.key)):
            m, d = r.spreads[k], r.vs.get(k)
            cells = [r.variant, LABELS[k], str(r.n), f"{r.converged}/{r.n}", _mean_std(m), f"{m.median:.3f}"]
            if d is None:
                cells += ["reference"] + [""] * 10
            else:
                cells += [_interval(d.delta, d.low, d.high), f"[{_f(d.boot_low, '+.3f')}, {_f(d.boot_high, '+.3f')}]"]
                cells += [f"{d.median_delta:+.3f}", f"{d.p_improve:.2f} [{_f(d.p_improve_low, '.2f')}, "
                          f"{_f(d.p_improve_high, '.2f')}]", _f(d.p_holm, ".3g"), _f(d.p_tost, ".3g")]  # fmt: skip
                cells += [_f(d.seeds_needed, ".0f"), _verdict(d, s, r), _reading(d)]
                cells += [_interval(d.delta, d.welch_low, d.welch_high) if d.paired else "(the reading)"]
                cells += [_f(d.correlation, "+.2f")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pairs_r(variant: str, d: Difference) -> str:
    """Pearson's r of one variant's pairs, or why there is none."""
    if not missing(d.correlation):
        return f"{variant} r = {d.correlation:+.2f}"
    if d.pairs < MIN_PAIRS_FOR_R:
        return f"{variant} r = – ({d.pairs} pairs, reported from {MIN_PAIRS_FOR_R} on)"
    return f"{variant} r = – (a score without spread)"


def notes(s: Summary) -> list[str]:
    """The lines under a table: convergence, the rule behind the verdicts, what would decide the undecided."""
    out = []
    runs, key = s.runs, s.key
    if s.converged_only:
        gone = ", ".join(f"{r.variant}/seed{r.seed} ({r.convergence})" for r in s.left_out) or "none"
        out.append(
            f"converged runs only, a sensitivity reading beside the full comparison, not instead of it: "
            f"{len(runs)} of {len(runs) + len(s.left_out)} runs kept; left out: {gone}"
        )
    counts = {state: sum(r.convergence == state for r in runs) for state in (RISING, NO_TAKEOFF, TOO_SHORT)}
    epochs = max((r.epochs for r in runs), default=0)
    if counts[RISING]:
        rising = [(tail_gain(r.curve)[0], f"{r.variant}/seed{r.seed}") for r in runs if r.convergence == RISING]
        gains = sorted(rising, reverse=True)
        steepest = ", ".join(f"{name} {gain:+.4f}" for gain, name in gains[:STEEPEST])
        more = f" and {len(gains) - STEEPEST} more" if len(gains) > STEEPEST else ""
        out.append(
            f"{counts[RISING]} of {len(runs)} runs were still improving at their last epoch (the best of the last "
            f"{TAIL:.0%} of epochs beat the best before by more than {s.tol:g}; steepest: {steepest}{more}): this "
            f"compares progress after {epochs} epochs, not reachable accuracy; raise epochs= (with patience= to stop "
            "at the plateau)"
        )
    if counts[TOO_SHORT]:
        out.append(
            f"{counts[TOO_SHORT]} of {len(runs)} runs are too short (< {MIN_EPOCHS} epochs) to tell whether they "
            "converged: this compares early training only"
        )
    if counts[NO_TAKEOFF]:
        low = ", ".join(f"{r.variant}/seed{r.seed}" for r in runs if r.convergence == NO_TAKEOFF)
        out.append(
            f"{counts[NO_TAKEOFF]} of {len(runs)} runs did not take off (a flat curve whose best is below "
            f"{TAKEOFF:g}× the median best of all runs): {low}"
        )
    if any(_starred(s, r) and r.vs[key].verdict != NO_INTERVAL for r in s.rows[1:]):  # a star was printed
        out.append("(*) the variant or the reference has runs that did not converge")
    if any(s.interim(r) and r.vs[key].verdict != NO_INTERVAL for r in s.rows[1:]):
        out.append(
            f"({INTERIM}) interim: the variant or the reference has runs not finished yet; a look before every run is "
            "in, which those runs can change: the comparison's verdict is the one read when all have finished"
        )
    looks = f", each of {s.looks} planned looks at alpha/{s.looks} (Bonferroni)" if s.looks > 1 else ""
    compared = [r.vs[key] for r in s.rows[1:] if r.vs[key].verdict != NO_INTERVAL]
    test = _test_names(compared)
    out.append(
        f"verdicts on {LABELS[key]}: better/worse = {test}, Holm-adjusted over {len(s.rows) - 1} variant(s), "
        f"p < {1 - s.level:.3g}; equivalent = TOST within ±{s.margin:g}; otherwise undecided{looks}. "
        f"P(>ref) = probability of improvement; bootstrap: {BOOTSTRAP_METHOD}, in compare.md"
    )
    paired = [(r.variant, r.vs[key]) for r in s.rows[1:] if r.vs[key].paired]
    if paired:
        rs = ", ".join(_pairs_r(v, d) for v, d in paired)
        out.append(
            f"paired by seed (the runs of one seed see the same batches): the interval, tests, P(>ref) and seeds "
            f"needed come from the per-seed differences; correlation of the pairs: {rs}; Welch's reading beside it "
            "in compare.md"
        )
    capped = [r.variant for r in s.rows[1:] if r.vs[key].verdict == NOT_WORSE]
    if capped:
        room = s.rows[1].vs[key].headroom
        out.append(
            f"ceiling: {LABELS[key]} cannot exceed {CEILING:g}, and the reference's mean leaves room for at most "
            f"{room:+.3f}, less than the margin +{s.margin:g}: the upper one-sided test cannot fail, so "
            f"'equivalent' reads only as 'not worse by more than {s.margin:g}' ({', '.join(capped)}); a gain can be "
            "measured only on data where the reference sits well below the ceiling"
        )
    floored = [r for r in runs if r.convergence == AT_FLOOR]
    if floored:
        none = [r.variant for r in s.rows[1:] if r.vs[key].verdict == FLOOR]
        why = f"so {', '.join(none)} get(s) no verdict" if none else "listed as at floor"
        out.append(
            f"{len(floored)} of {len(runs)} runs learned nothing (best {LABELS[key]} below "
            f"{min(s.margin, DEFAULT_MARGIN):g} at every epoch: "
            f"{', '.join(f'{r.variant}/seed{r.seed}' for r in floored[:STEEPEST])}"
            f"{' and more' if len(floored) > STEEPEST else ''}), {why}: check that the data YAML's labels and names "
            "match the images, train longer (epochs=), or start from weights (pretrained=)"
        )
    need = [(r.variant, r.vs[key].seeds_needed) for r in s.rows[1:] if r.vs[key].verdict == UNDECIDED]
    need = [(v, n) for v, n in need if not missing(n)]
    if need:
        n_max = max(n for _, n in need)
        advice = (
            f"over {LARGE_STUDY} seeds is rarely affordable: reduce the spread instead (runs that converge, more "
            "validation images)"
            if n_max > LARGE_STUDY
            else f"run seeds={n_max:.0f}, or seeds=auto max_seeds={n_max:.0f}"
        )
        out.append(
            f"seeds per variant for {POWER:.0%} power to detect ±{s.margin:g} at the observed spread (normal-theory "
            f"t-test): {', '.join(f'{v} {n:.0f}' for v, n in need)}; {advice}"
        )
    return out


def _test_names(compared: list[Difference]) -> str:
    kinds = sorted({"paired t-test" if d.paired else "Welch t-test" for d in compared}) or ["Welch t-test"]
    return " / ".join(kinds)


def caption(s: Summary, config: dict) -> str:
    """One line: what was compared, on what, for how long."""
    train, data = config.get("train", {}), config.get("data", {})
    where = "built-in shapes" if "built_in" in data else Path(data.get("yaml", "?")).name
    seeds = sorted({r.seed for r in s.runs})
    return (
        f"base {config.get('base', '?')}, data {where}, imgsz {train.get('imgsz', '?')}, "
        f"epochs {train.get('epochs', '?')}, seeds {len(seeds)}, {LABELS[s.key]} at each run's best epoch, "
        f"margin ±{s.margin:g}, {_pct(s.level)} intervals" + (", converged runs only" if s.converged_only else "")
    )


def markdown_runs(s: Summary) -> str:
    """One row per run: its length, best epoch and value, its gain over the last TAIL of its epochs (the number the
    convergence rule reads) and its state, and how long its last attempt trained."""
    other = next(k for k in LABELS if k != s.key)
    header = ["variant", "seed", "epochs", "best epoch", LABELS[s.key], LABELS[other]]
    header += [f"gain in the last {TAIL:.0%}", "state", "training min"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    order = [row.variant for row in s.rows]
    for r in sorted((*s.runs, *s.left_out), key=lambda r: (order.index(r.variant), r.seed)):
        gain = f"{tail_gain(r.curve)[0]:+.4f}" if len(r.curve) >= MIN_EPOCHS else "–"
        minutes = _f(r.train_s / 60, ".1f") + (f" (from epoch {r.resumed_from})" if r.resumed_from else "")
        cells = [r.variant, str(r.seed), str(r.epochs), str(r.best_epoch), f"{getattr(r, s.key):.4f}"]
        cells += [f"{getattr(r, other):.4f}", gain, r.convergence, minutes]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_time(s: Summary) -> str:
    """One line: the training time of the runs, in all and per run (`RunResult.whole_train_s`), the sum to divide by
    the runs trained at a time for the wall time; empty when no run recorded one."""
    runs = [*s.runs, *s.left_out]
    minutes = sorted(r.whole_train_s / 60 for r in runs if math.isfinite(r.whole_train_s))
    if not minutes:
        return ""
    return (
        f"Run time: {sum(minutes) / 60:.1f} h of training over {len(minutes)} of the {len(runs)} runs, "
        f"{minutes[0]:.0f}–{minutes[-1]:.0f} min a run (median {statistics.median(minutes):.0f}); a resumed run's last "
        "attempt is scaled to all its epochs. Divide by the runs trained at a time (`jobs=`) for the wall time."
    )


def write_markdown(path: Path, s: Summary, config: dict, extra: Sequence[str] = (), appendix: str = "") -> None:
    """compare.md: the caption, the table of every statistic, the notes (`extra` ones first), the runs, and
    `appendix` as a last section (compare sizes=True: AP by object size)."""
    lines = [f"# Comparison: {caption(s, config)}", "", markdown_summary(s), ""]
    lines += [f"- {n}" for n in (*extra, *notes(s))]
    lines += ["", f"## Runs ({s.tol:g} tolerance on the gain)", "", markdown_runs(s)]
    timed = run_time(s)
    lines += ["", timed] if timed else []
    lines += ["", appendix] if appendix else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def plot(path: Path, s: Summary, config: dict) -> None:
    """Write `figure(s, config)` to `path` (PNG, 110 dpi)."""
    import matplotlib.pyplot as plt

    fig = figure(s, config)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure(s: Summary, config: dict) -> Figure:
    """Left: the metric per seed (hollow: did not converge) with the mean and its t-interval; middle: each variant's
    difference from the reference with its Welch and bootstrap intervals, the ±margin band and the verdict (no
    legend there: it would hide the end of an interval); right: the mean validation curve with a ±1 std band. The
    caption names base, data, imgsz, epochs, seeds and margin. Returns the matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from scipy.stats import t

    key, label = s.key, LABELS[s.key]
    fig, (left, mid, right) = plt.subplots(1, 3, figsize=(15, 4.6))
    for i, row in enumerate(s.rows):
        mine = [r for r in s.runs if r.variant == row.variant]
        values = np.array([getattr(r, key) for r in mine])
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        done = np.array([r.convergence == CONVERGED for r in mine])
        color = f"C{i}"
        left.scatter((i + jitter)[done], values[done], s=24, color=color, zorder=3)
        left.scatter((i + jitter)[~done], values[~done], s=24, facecolors="none", edgecolors=color, zorder=3)
        m = row.spreads[key]
        half = float(t.ppf(0.5 + s.level / 2, m.n - 1)) * m.std / math.sqrt(m.n) if m.n > 1 else 0.0
        left.errorbar(i + 0.3, m.mean, yerr=half, fmt="o", color="black", capsize=4, zorder=4)
        curves = [r.curve for r in mine if r.curve]
        if curves:
            length = min(len(c) for c in curves)
            stack = np.array([c[:length] for c in curves])
            mean = stack.mean(0)
            std = stack.std(0, ddof=1) if len(stack) > 1 else np.zeros(length)
            epochs = np.arange(1, length + 1)
            right.plot(epochs, mean, color=color, label=f"{row.variant} (n={len(stack)})")
            right.fill_between(epochs, mean - std, mean + std, color=color, alpha=0.2)
        d = row.vs.get(key)
        if d is not None:
            if not missing(d.low):
                mid.errorbar(i, d.delta, yerr=[[d.delta - d.low], [d.high - d.delta]], fmt="o", color=color, capsize=5)
            if not missing(d.boot_low):
                mid.plot([i + 0.15] * 2, [d.boot_low, d.boot_high], color=color, lw=1, ls=":")
            mid.annotate(_verdict(d, s, row), (i, d.delta), xytext=(8, 0), textcoords="offset points",
                         fontsize=8, va="center")  # fmt: skip
    names = [r.variant for r in s.rows]
    left.set_xticks(range(len(names)), names)
    left.set_ylabel(f"best-epoch {label}")
    left.set_title(f"each seed (hollow: not converged); mean, {_pct(s.level)} t-interval", fontsize=9)
    mid.axhspan(-s.margin, s.margin, color="grey", alpha=0.2)
    mid.axhline(0, color="black", lw=0.8)
    headroom = s.rows[1].vs[key].headroom if len(s.rows) > 1 else math.nan
    if not missing(headroom) and headroom < s.margin:  # the most any variant could gain: the metric's ceiling
        mid.axhline(headroom, color="red", lw=0.8, ls="--")
        mid.annotate("ceiling", (0.5, headroom), xytext=(2, 2), textcoords="offset points", fontsize=8, color="red")
    mid.set_xticks(range(len(names)), names)
    mid.set_xlim(0.5, len(names) - 0.2)
    mid.set_ylabel(f"Δ {label} vs {names[0]}")
    test = _test_names([r.vs[key] for r in s.rows[1:] if not missing(r.vs[key].low)]).replace(" t-test", "")
    mid.set_title(f"difference: {test} (solid), bootstrap (dotted); grey: ±{s.margin:g} equivalence", fontsize=9)
    right.set_xlabel("epoch")
    right.set_ylabel(f"validation {label}")
    right.set_title("mean over seeds, band ±1 std", fontsize=9)
    right.legend(fontsize=8)
    fig.suptitle(caption(s, config), fontsize=9)
    fig.tight_layout()
    return fig
