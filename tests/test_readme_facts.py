"""Every number the README quotes as a fact of the code, recomputed: the README cannot drift from the code silently.

(Timings and accuracy are measurements, rerun by `yolo-dsconv bench` and the demo; they are not pinned here. The
transfer count, which needs a trained checkpoint, is pinned in tests/yaml_tools/test_transfer.py.)
"""

import functools
import math
import re
from pathlib import Path

import pytest
from ultralytics import YOLO

from helpers import REPO, unwrap
from yolo_dsconv.profile import model_costs

# The README is the front page; the manual's pages (docs/*.md, docs/evidence/*.md) hold the rest of what it used to say.
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "docs" / "evidence").glob("*.md"))]
README = "\n".join(p.read_text() for p in PAGES)
PROSE = unwrap(README)


def number(text: str) -> float:
    return float(text.replace(",", ""))


def costs(name: str) -> dict:
    return model_costs(YOLO(name).model.eval(), 640)


def test_yolov5s_cost_table():
    found = re.findall(r"^\| (yolov5s(?:-dsconv)?\.yaml) \| ([\d,]+)[^|]*\| ([\d.]+)", README, re.M)
    assert {name for name, _, _ in found} == {"yolov5s.yaml", "yolov5s-dsconv.yaml"}
    for name, params, gflops in found:
        c = costs(name)
        assert (c["params"], round(c["gflops"], 2)) == (number(params), number(gflops)), name
    ratio = re.search(r"10,095,232 \(×([\d.]+)\) \| 24\.73 \(×([\d.]+)\)", README).groups()
    s, d = costs("yolov5s.yaml"), costs("yolov5s-dsconv.yaml")
    assert ratio == (f"{d['params'] / s['params']:.3f}", f"{d['gflops'] / s['gflops']:.3f}")


TASK_ROWS = re.findall(
    r"^\| (yolo\w+n-(?:seg|pose|obb)-dsconv) \| ([\d,]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", README, re.M
)


@pytest.mark.parametrize("row", TASK_ROWS, ids=[r[0] for r in TASK_ROWS])
def test_task_config_cost_table(row):
    name, params, x_params, gflops, x_gflops = row
    d, s = costs(f"{name}.yaml"), costs(f"{name.replace('-dsconv', '')}.yaml")
    assert (d["params"], f"{d['gflops']:.2f}") == (number(params), gflops)
    assert (f"{d['params'] / s['params']:.3f}", f"{d['gflops'] / s['gflops']:.3f}") == (x_params, x_gflops)


def test_task_table_lists_all_six_task_configs():
    assert len(TASK_ROWS) == 6


def test_count_of_sppf_yamls_that_graft():
    import ultralytics

    root = __import__("pathlib").Path(ultralytics.__file__).parent / "cfg" / "models"
    count = sum("SPPF" in p.read_text() for p in root.glob("*/*.yaml"))
    assert f"All {count} SPPF-based YAMLs shipped with Ultralytics {ultralytics.__version__} graft" in README
    assert count == 41  # tests/yaml_tools/test_graft.py::test_every_sppf_family_grafts_and_builds (slow) builds each


def test_expandconv_parameter_count_of_yolov5n():
    # "the 78 tensors left are ExpandConv's": state tensors (weights, BN parameters and buffers) of layer 10
    model = YOLO("yolov5n-dsconv.yaml").model
    n = sum(1 for k in model.state_dict() if k.startswith("model.10."))
    assert f"the {n} tensors left are ExpandConv's" in README and n == 78


RESULTS = REPO / "docs" / "results"
EARLY = (RESULTS / "early_training.md").read_text()


@pytest.mark.parametrize(
    ("name", "variants"),
    [
        ("compare_128", ["stock", "dsconv", "sparse", "control"]),
        ("compare_320", ["stock", "dsconv", "sparse", "control"]),
        ("gpu_h100/compare_320", ["stock", "dsconv", "sparse", "control"]),
        ("gpu_h100/compare_640", ["stock", "dsconv", "sparse", "control"]),
    ],
)
def test_evidence_tables_are_the_committed_comparisons(name, variants):
    # Every accuracy figure of the README comes from a committed compare.json, pasted as markdown_summary renders it.
    import json

    from yolo_dsconv.compare import summary_from_json
    from yolo_dsconv.compare.report import markdown_summary

    doc = json.loads((RESULTS / f"{name}.json").read_text())
    record = (RESULTS / ("early_training.md" if "/" not in name else f"{name.split('/')[0]}/README.md")).read_text()
    summary = summary_from_json(doc)  # the committed runs read under the current rules, as `yolo-dsconv report` does
    assert markdown_summary(summary) in record
    assert (RESULTS / f"{name}.md").read_text().count(markdown_summary(summary)) == 1
    assert min(r.n for r in summary.rows) >= 5  # no claim on fewer than 5 seeds
    assert summary.rows[0].converged == 0 and "not converged" in record  # early training, labelled as such
    assert [s["variant"] for s in doc["summary"]] == variants
    assert (RESULTS / f"{name}.png").is_file() and (RESULTS / f"{name}.csv").is_file()


@pytest.mark.parametrize("name", ["erf_128", "erf_320"])
def test_erf_table_is_the_committed_study(name):
    rows = [line for line in (RESULTS / f"{name}.md").read_text().splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 8 and all(row in EARLY for row in rows)
    assert (RESULTS / f"{name}.png").is_file()


def _assert_erf_intervals(rows: list[dict], column: int, claims: list[tuple], record: str) -> None:
    """Each quoted ERF difference (variant − reference, side k: 0 for 50 %, 1 for 90 %) and its Welch 95 % interval,
    recomputed from the per-seed sides (at `column` + k of a per_seed entry), and found in `record`."""
    from yolo_dsconv.compare.stats import difference

    trained = {r["variant"]: [s[column:] for s in r["per_seed"]] for r in rows if r["weights"] == "trained"}
    for ref, v, k, quoted in claims:
        d = difference([s[k] for s in trained[ref]], [s[k] for s in trained[v]], 0.95)
        numbers = [float(x.replace("−", "-")) for x in re.findall(r"[+−-]\d+", quoted)]
        assert numbers == [round(d.delta), round(d.low), round(d.high)], (ref, v, k)
        assert quoted in record


def test_erf_320_intervals_are_those_of_the_committed_sides():
    import json

    claims = [
        ("stock", "dsconv", 0, "+163 px, 95 % Welch interval [+124, +202]"),
        ("control", "dsconv", 0, "against the control: +193 [+124, +261]"),
        ("stock", "dsconv", 1, "90 % side against stock: +184 [+156, +213]"),
        ("stock", "control", 0, "(−30 [−99, +39] px at 50 %)"),
    ]
    _assert_erf_intervals(json.loads((RESULTS / "erf_320.json").read_text())["rows"], 0, claims, EARLY)
    assert "+163 px, 95 % Welch interval [+124, +202]" in PROSE  # README's summary of it


def test_the_30_epoch_summary_is_the_committed_studies():
    # README "Evidence" sums the four 30-epoch studies up in one paragraph; their tables are in early_training.md
    import json

    from yolo_dsconv.compare import summary_from_json

    runs, sds, seeds = [], [], []
    for name in ("compare_128", "compare_320", "gpu_h100/compare_320", "gpu_h100/compare_640"):
        summary = summary_from_json(json.loads((RESULTS / f"{name}.json").read_text()))
        runs += summary.runs
        sds += [r.spreads["map50_95"].std for r in summary.rows]
        seeds += [r.vs["map50_95"].seeds_needed for r in summary.rows[1:]]
    states = [r.convergence for r in runs]
    assert f"**0 of the {len(runs)} runs converged** ({states.count('rising')} still rising" in PROSE
    assert states.count("converged") == 0 and f"{states.count('no take-off')} did not take off" in PROSE
    assert f"{states.count('at floor')} learned nothing" in PROSE
    assert f"standard deviations of {min(sds):.2f}–{max(sds):.2f} mAP50-95" in PROSE
    assert f"would take {min(seeds):,.0f}–{max(seeds):,.0f} seeds per variant" in PROSE


def test_export_matrix_table_is_the_committed_matrix():
    """README "Deploying" shows the summary that the export matrix (yolo_dsconv/deploy) wrote, and it covers ≥ 8
    loadable formats at 320 and 640 px with parity and a latency ratio in every cell."""
    import json

    from yolo_dsconv.deploy import tables as export_matrix

    committed = json.loads((REPO / "docs" / "results" / "export_matrix.json").read_text())
    table = export_matrix.summary(committed["rows"])
    assert "\n".join(table) in README
    assert "\n".join(table) in (REPO / "docs" / "results" / "export_matrix.md").read_text()
    why = export_matrix.explanation(committed["rows"])  # the split into dilation and structure, README "Deploying"
    assert "\n".join(why) in README and "\n".join(why) in (REPO / "docs" / "results" / "export_matrix.md").read_text()
    measured = [ln for ln in table[2:] if "-" not in [c.strip() for c in ln.split("|")[4:-1]]]
    assert len(measured) - 1 >= 8  # every latency cell filled, PyTorch itself not counted
    assert not any(ln.startswith("| coreml ") for ln in measured)  # runs only on macOS: no cell
    sizes = {r["imgsz"] for r in committed["rows"]}
    assert sizes == {320, 640}


COS60 = RESULTS / "hard256_cos60"
COS60_README = (COS60 / "README.md").read_text()
COS60_PROSE = unwrap(COS60_README)
COS500 = RESULTS / "hard256_cos500"


def _claim(d) -> tuple[str, str]:
    """A difference as the prose quotes it: (Δ, [low, high]) with typographic minus signs."""
    return f"{d.delta:+.3f}".replace("-", "−"), f"[{d.low:+.3f}, {d.high:+.3f}]".replace("-", "−")


def test_the_300_epoch_studys_tables_are_its_committed_runs():
    # docs/results/hard256_cos60/README.md shows `yolo-dsconv report project=docs/results/hard256_cos60` (against
    # stock, the control, and on the converged runs alone) as the committed runs give them.
    from yolo_dsconv.compare.project import read_project
    from yolo_dsconv.compare.report import format_summary, markdown_summary, run_time

    readings = (
        (None, False, "report.md"),
        ("control", False, "report_vs_control.md"),
        (None, True, "report_converged.md"),
    )
    for reference, only, md in readings:
        state = read_project(COS60, reference=reference, converged_only=only)
        table = format_summary(state.summary).split("\n\n")[0]
        command = "$ yolo-dsconv report project=docs/results/hard256_cos60" + (
            f" reference={reference}" if reference else ""
        )
        command += " converged_only=True" if only else ""
        assert f"{command}\n{table}\n" in COS60_README
        assert markdown_summary(state.summary) in (COS60 / md).read_text()
        assert state.progress() in (COS60 / md).read_text()
    runs = state.summary.runs + state.summary.left_out
    assert len(runs) == 24 and f"**All 24 runs, {len(state.summary.runs)} converged.**" in COS60_README
    pattern = r"([\d.]+) h of training over 24 of the 24 runs, (\d+)–(\d+) min a run \(median (\d+)\)"
    line = run_time(state.summary)
    hours, low, high, median = re.search(pattern, line).groups()
    assert line in (COS60 / "report.md").read_text()
    assert f"{low}–{high} min of training per run (median {median}), {hours} h of run time in all" in COS60_PROSE
    assert f"about {float(hours) / 2:.1f} h of wall time at 2 runs at a time" in COS60_PROSE
    converged = len(state.summary.runs)
    assert f"{converged} of the {len(runs)} runs converged by the rule" in COS60_PROSE
    assert f"So {converged} of the 24 runs converged ({converged / 24:.0%})".replace("%", " %") in COS60_PROSE
    best = [r.best_epoch for r in runs]
    assert {r.epochs for r in runs} == {300} and all(b > 240 for b in best)
    assert f"in the last 20 % (epochs {min(best)}–{max(best)})" in COS60_PROSE
    assert "(compare.png)" in COS60_README and (COS60 / "compare.png").is_file()


def test_the_300_epoch_studys_verdicts_are_its_compare_json_in_its_record_and_the_readme():
    import json

    from yolo_dsconv.compare.report import format_summary, markdown_summary
    from yolo_dsconv.compare.summary import summary_from_json

    doc = json.loads((COS60 / "compare.json").read_text())
    assert len(doc["runs"]) == 24 and doc["config"]["train"]["imgsz"] == 256
    for reference, only, md in ((None, False, "compare.md"), ("control", False, "compare_vs_control.md"),
                                (None, True, "compare_converged.md")):  # fmt: skip
        summary = summary_from_json(doc, reference=reference, converged_only=only)
        assert markdown_summary(summary) in (COS60 / md).read_text()
        assert format_summary(summary).split("\n\n")[0] in COS60_README  # the same table as report project= gives
        assert format_summary(summary).split("\n\n")[0] not in README  # the README leads with the 500-epoch study

    full = summary_from_json(doc)
    stock = full.rows[1].vs["map50_95"]
    control = summary_from_json(doc, reference="control").rows[2].vs["map50_95"]
    alone = summary_from_json(doc, converged_only=True).rows[1].vs["map50_95"]
    assert (stock.verdict, control.verdict, alone.verdict) == ("equivalent", "equivalent", "undecided")
    (d1, i1), (d2, i2), (d3, i3) = _claim(stock), _claim(control), _claim(alone)
    assert f"*equivalent* to stock within ±0.01 mAP50-95 ({d1}, 95 % interval {i1}, paired by seed)" in COS60_PROSE
    assert f"to the same-cost control ({d2} {i2})" in COS60_PROSE
    assert f"on the converged runs alone dsconv vs stock is {d3} {i3}, undecided" in COS60_PROSE
    converged = sum(r.convergence == "converged" for r in full.runs)
    assert f"{converged} of 24 runs converged ({converged / 24:.0%}".replace("%", " %") in COS60_PROSE
    # the README's paragraph on it
    share = f"{converged / 24:.0%}".replace("%", " %")
    assert f"{converged} of its 24 runs converged ({share}, below the 90 % bar)" in PROSE
    assert f"it read dsconv as *equivalent* to stock ({d1} {i1}) and to the control ({d2} {i2})" in PROSE
    assert f"and {d3} {i3}, undecided, on its converged runs alone" in PROSE
    assert f"(8 seeds per variant, {converged} of 24 runs converged, below the 90 % bar)" in PROSE
    assert f"read dsconv as *equivalent* to stock ({d1} {i1})." in PROSE


def test_the_500_epoch_study_in_the_readme_is_its_committed_runs():
    # README "Evidence" leads with the finished 500-epoch study: `report project=` over its committed runs gives the
    # same tables as the compare.json the study wrote; the headline's figures, its cost, best epochs and early stops.
    import json

    from yolo_dsconv.compare.convergence import CONVERGED, tail_gain
    from yolo_dsconv.compare.project import read_project
    from yolo_dsconv.compare.report import format_summary, markdown_summary, run_time
    from yolo_dsconv.compare.summary import summary_from_json

    doc = json.loads((COS500 / "compare.json").read_text())
    assert len(doc["runs"]) == 24
    assert (doc["config"]["train"]["imgsz"], doc["config"]["train"]["epochs"]) == (256, 500)
    for reference, md, final in ((None, "report.md", "compare.md"), ("control", "report_vs_control.md",
                                                                      "compare_vs_control.md")):  # fmt: skip
        state = read_project(COS500, reference=reference)
        assert markdown_summary(state.summary) in (COS500 / md).read_text()
        assert state.progress() in (COS500 / md).read_text()
        table = format_summary(state.summary).split("\n\n")[0]
        command = "$ yolo-dsconv report project=docs/results/hard256_cos500" + (
            f" reference={reference}" if reference else ""
        )
        assert f"{command}\n{table}\n" in README
        finished = summary_from_json(doc, reference=reference)
        assert format_summary(finished).split("\n\n")[0] == table  # the committed runs and the study's record agree
        assert markdown_summary(finished) in (COS500 / final).read_text()
    vs_stock, vs_control = read_project(COS500).summary, state.summary
    runs = vs_stock.runs + vs_stock.left_out
    converged = sum(r.convergence == CONVERGED for r in runs)
    seeds = {v: sum(r.variant == v for r in runs) for v in ("stock", "dsconv", "control")}
    assert len(runs) == 24 and seeds == {"stock": 8, "dsconv": 8, "control": 8}
    assert converged >= 22  # the bar: at least 90 % converged
    assert "the 500-epoch study, all 24 runs" in PROSE.lower()
    head = "With all 24 runs finished (seeds: stock 8, dsconv 8, control 8), 500 epochs at 256 px"
    assert f"{head} and {converged} of 24 converged" in PROSE
    # the headline's figures, and its claim: no reading puts dsconv ahead
    d = vs_stock.rows[1].vs["map50_95"]
    delta, interval = _claim(d)
    assert vs_stock.rows[1].variant == "dsconv" and d.verdict == "not worse"  # the ceiling caps what it can say
    p_improve = f"P(dsconv > stock) {d.p_improve:.2f}"
    mean = vs_stock.rows[0].spreads["map50_95"].mean
    assert f"stock's mean {mean:.3f} sits {d.headroom:.3f} below the metric's ceiling of 0.995" in PROSE
    assert f"dsconv against stock is {delta} mAP50-95 (95 % interval {interval}, {p_improve}), *{d.verdict}*" in PROSE
    d = vs_control.rows[2].vs["map50_95"]
    delta, interval = _claim(d)
    assert vs_control.rows[2].variant == "dsconv" and d.verdict == "not worse"
    assert f"against the same-cost control {delta} {interval}, *{d.verdict}*" in PROSE
    scores = [r.map50_95 for r in runs]
    assert f"every run ends at {min(scores):.3f}–{max(scores):.3f} mAP50-95" in PROSE
    # its cost
    pattern = r"([\d.]+) h of training over 24 of the 24 runs, (\d+)–(\d+) min a run \(median (\d+)\)"
    hours, low, high, median = re.search(pattern, run_time(vs_stock)).groups()
    assert run_time(vs_stock) in (COS500 / "compare.md").read_text()
    cost = f"at {low}–{high} min of training per run (median {median}), {hours} h of run time in all"
    wall = f"about {float(hours) / 2:.1f} h of wall time at `jobs=2`"
    assert f"all 24 runs finished and {converged} of 24 converged, {cost}, {wall}" in PROSE
    # best epochs and early stops
    best = [r.best_epoch for r in runs]
    early = sorted(r.epochs for r in runs if r.epochs < 500)
    assert f"found its best epoch between epochs {min(best)} and {max(best)}" in PROSE
    *rest, last = map(str, early)
    stops = f"{', '.join(rest)} and {last}" if rest else last
    assert f"{len(early)} of the 24 stopped early (`patience=100` fired at epochs {stops})" in PROSE
    assert all(r.epochs - r.best_epoch == 100 for r in runs if r.epochs < 500)  # stopped by patience, nothing else
    curve = next(r.curve for r in runs if (r.variant, r.seed) == ("stock", 1))
    gain, tail = tail_gain(curve)
    said = f"Stock seed 1, rising at 300 epochs in the earlier study, converged here ({gain:+.4f} over its last {tail}"
    assert f"{said} of {len(curve)})" in PROSE
    assert "(docs/results/hard256_cos500/compare.png)" in README and (COS500 / "compare.png").is_file()


def _erf_claims(vs_stock: str, vs_stock_90: str, vs_control: str, control_vs_stock: str) -> list[tuple]:
    """What a study's ERF paragraph says, as (reference, variant, side, quoted): dsconv against stock at the 50 % and
    the 90 % side, against the control, and the control against stock."""
    return [
        ("stock", "dsconv", 0, f"50 % side {vs_stock}"),
        ("stock", "dsconv", 1, f"(90 % side {vs_stock_90})"),
        ("control", "dsconv", 0, f"same-cost control's, {vs_control}"),
        ("stock", "control", 0, f"not larger than stock ({control_vs_stock})"),
    ]


@pytest.mark.parametrize(
    ("study", "text", "claims"),
    [
        (COS60, COS60_README,
         _erf_claims("+122 px, 95 % Welch interval [+90, +154]", "+102 [+79, +124]", "+150 [+124, +175]",
                     "−28 [−62, +7]")),
        (COS500, README,
         _erf_claims("+95 px, 95 % Welch interval [+54, +136]", "+82 [+53, +110]", "+86 [+45, +127]",
                     "+9 [−40, +58]")),
    ],
    ids=["300_epochs", "500_epochs"],
)  # fmt: skip
def test_a_studys_erf_is_the_committed_one_of_its_finished_runs(study, text, claims):
    # `yolo-dsconv erf project=` on the runs the study's tables summarise, and what the text says it shows
    import json

    from yolo_dsconv.compare.project import read_project

    lines = [line for line in (study / "erf.md").read_text().splitlines() if line.startswith("|")]
    record = unwrap(text)
    assert len(lines) == 2 + 6 and "\n".join(lines) in text
    doc = json.loads((study / "erf.json").read_text())
    runs = read_project(study).summary.runs
    for row in doc["rows"]:  # the same runs, seed by seed, with their convergence
        finished = sorted((r.seed, r.convergence) for r in runs if r.variant == row["variant"])
        assert [(s[0], s[4]) for s in row["per_seed"]] == finished
    _assert_erf_intervals(doc["rows"], 1, claims, record)
    rows = {(r["variant"], r["weights"]): r for r in doc["rows"]}
    gap = max(r["largest_halves_gap"] for r in doc["rows"] if r["weights"] == "trained")
    init = [rows[(v, "init")]["side50"][0] for v in ("stock", "dsconv", "control")]
    assert f"differ by {gap} px at most" in record
    assert f"within {math.ceil(max(init) - min(init))} px" in record


def test_the_readme_quotes_the_300_epoch_erf_beside_the_500_epoch_one():
    import json

    claims = [
        ("stock", "dsconv", 0, "+122 [+90, +154] against stock"),
        ("control", "dsconv", 0, "+150 [+124, +175] against the control"),
    ]
    _assert_erf_intervals(json.loads((COS60 / "erf.json").read_text())["rows"], 1, claims, PROSE)


def test_op_profile_table_is_the_committed_profile():
    # README "Deploying": where ExpandConv's time goes in ONNX Runtime, from docs/results/op_profile.json
    import json

    results = json.loads((RESULTS / "op_profile.json").read_text())["results"]
    assert list(results) == ["yolov5n 320", "yolov5n 640", "yolov8n 320", "yolov8n 640"]
    for key, r in results.items():
        st, ds = r["stock"], r["dsconv"]
        layer, total = ds["ExpandConv layer"], ds["total"]

        def rate(g: dict) -> str:
            return f"{g['gflops'] / g['ms'] * 1e3:.0f}"

        cells = [
            key.replace(" ", ", "),
            f"{layer['gflops'] / total['gflops']:.1%}".replace("%", " %"),
            f"{layer['ms'] / total['ms']:.1%}".replace("%", " %"),
            f"{rate(layer)} ({rate(total)})",
            f"{rate(ds['depthwise conv'])} ({rate(ds['dense conv'])})",
            f"{ds['wall_ms'] / st['wall_ms']:.3f} ({total['gflops'] / st['total']['gflops']:.3f})",
        ]
        assert "  | " + " | ".join(cells) + " |" in README, cells


def real_photo_rows(kept: Path) -> list[str]:
    """The evidence page's per-run rows, from the kept runs: best epoch and metrics (results.csv), the last fifth's
    gain, and the run's kept AP by size."""
    import json

    from yolo_dsconv.compare.convergence import tail_gain

    order = list(json.loads((kept / "compare_config.json").read_text())["variants"])  # stock, dsconv, control
    runs = sorted((p.parent for p in kept.glob("*/seed*/compare_run.json")),
                  key=lambda run: (int(run.name.removeprefix("seed")), order.index(run.parent.name)))  # fmt: skip
    rows = []
    for run in runs:
        table = [line.split(",") for line in (run / "results.csv").read_text().splitlines()]
        head = [h.strip() for h in table[0]]
        curve = [float(r[head.index("metrics/mAP50-95(B)")]) for r in table[1:]]
        i = max(range(len(curve)), key=curve.__getitem__)
        map50 = float(table[i + 1][head.index("metrics/mAP50(B)")])
        by_size = json.loads((run / "sizes_416px.json").read_text())
        sizes = " / ".join(f"{by_size[s]:.3f}" for s in ("small", "medium", "large"))
        rows.append(f"| {run.parent.name}/{run.name} | {curve[i]:.3f} ({i + 1}) | {map50:.3f} | "
                    f"{tail_gain(curve)[0]:+.3f} | {sizes} |")  # fmt: skip
    return rows


@functools.cache
def kept_real_photos():
    """`read_project` of docs/results/aquarium416, as `report project=` reads it (it builds the three models for their
    costs, so it is read once for the tests that quote it)."""
    from yolo_dsconv.compare.project import read_project

    return read_project(REPO / "docs" / "results" / "aquarium416")


def converged_counts(runs: list) -> tuple[int, int]:
    """Runs converged by the issue's independent rule (the last fifth gains < 0.02) and by the project's own."""
    from yolo_dsconv.compare.convergence import tail_gain

    return sum(tail_gain(r.curve)[0] < 0.02 for r in runs), sum(r.convergence == "converged" for r in runs)


def real_photo_pairs(runs: list, order: list[str]) -> str:
    """The evidence page's paired differences: per seed that the reference (the first variant) and at least one
    other have finished, each variant less the reference, in mAP50-95 at each run's best epoch; "–" where that
    variant's run of the seed has not finished."""
    score = {(r.variant, r.seed): r.map50_95 for r in runs}
    ref, others = order[0], order[1:]
    seeds = sorted({s for v, s in score if v != ref and (ref, s) in score})

    def cell(v: str, s: int) -> str:
        return f"{score[v, s] - score[ref, s]:+.4f}" if (v, s) in score else "–"

    lines = ["| seed | " + " | ".join(f"{v} − {ref}" for v in others) + " |", "|---" * (len(others) + 1) + "|"]
    lines += [f"| {s} | " + " | ".join(cell(v, s) for v in others) + " |" for s in seeds]
    return "\n".join(lines)


def test_the_real_photo_table_is_the_kept_runs():
    """docs/evidence/real-photos.md's per-run table is every kept run of docs/results/aquarium416, recomputed."""
    import json

    kept = REPO / "docs" / "results" / "aquarium416"
    page = (REPO / "docs" / "evidence" / "real-photos.md").read_text()
    rows = re.findall(r"^\| \w+/seed\d+ \|.*\|$", page, re.M)
    assert rows and rows == real_photo_rows(kept)
    order = list(json.loads((kept / "compare_config.json").read_text())["variants"])
    text = unwrap(page)
    summary = kept_real_photos().summary
    runs = summary.runs
    loose, own = converged_counts(runs)
    assert f"{loose} of {len(rows)} runs converged by the issue's independent rule" in text
    assert f"{own} of {len(rows)} by the project's own, stricter rule" in text
    stock = [row.split(" | ") for row in rows if row.startswith("| stock/")]
    best = sorted(r.map50_95 for r in runs if r.variant == "stock")  # unrounded
    spread = f"the {len(best)} stock seeds so far span {best[-1] - best[0]:.3f} mAP50-95"
    assert spread in text and spread in unwrap(README)
    large = sorted(r[4].split(" / ")[2].rstrip(" |") for r in stock)
    assert f"large-box AP alone spans {large[0]}–{large[-1]} across the {len(stock)} stock seeds" in text
    assert real_photo_pairs(runs, order) in page
    need = {r.variant: r.vs["map50_95"].seeds_needed for r in summary.rows[1:]}
    if not any(math.isnan(n) for n in need.values()):
        said = f"`report` estimates {need['dsconv']:.0f} seeds a variant for 80 % power to detect ±0.01"
        assert f"{said} (dsconv against stock; {need['control']:.0f} for the control)" in text
    assert f"{len(rows)} of 15 runs have finished" in text
    erf = {(r["variant"], r["weights"]): r for r in json.loads((kept / "erf.json").read_text())["rows"]}
    starts = [p for (_, weights), r in erf.items() if weights == "init" for p in r["per_seed"]]
    for seed in {p[0] for p in starts}:  # the identity start: every variant of a seed computes one function at step 0
        assert len({tuple(p[1:3]) for p in starts if p[0] == seed}) == 1, seed
    side = {v: (int(erf[v, "trained"]["side50"][0]), int(erf[v, "trained"]["side90"][0])) for v in order}
    seed0 = next(p[1] for p in erf["stock", "init"]["per_seed"] if p[0] == 0)
    assert (f"the 50 % side is {side['stock'][0]} px for stock, {side['dsconv'][0]} px for dsconv and "
            f"{side['control'][0]} px for the control after training, and at the start every variant of a seed has "
            f"the same ERF (seed 0: {seed0} px)") in text  # fmt: skip
    assert f"the 90 % side is {side['stock'][1]} px, {side['dsconv'][1]} px and {side['control'][1]} px" in text
    erf_claim = (f"the 50 % side of P5's effective receptive field is {side['stock'][0]} px for stock, "
                 f"{side['dsconv'][0]} px for dsconv and {side['control'][0]} px for the control")  # fmt: skip
    assert erf_claim in unwrap(README)


def test_the_readme_leads_with_the_real_photo_study_as_report_reads_its_kept_runs():
    """README "Evidence" opens with the real-photo study: `report project=` over the kept folder, its run count and
    convergence; the kept report.md is what `report` writes now (so a run kept without a new report fails here)."""
    from yolo_dsconv.compare.report import format_summary, markdown_summary

    kept = REPO / "docs" / "results" / "aquarium416"
    state = kept_real_photos()
    runs = state.summary.runs
    assert markdown_summary(state.summary) in (kept / "report.md").read_text()
    table = format_summary(state.summary).split("\n\n")[0]
    evidence = README.split("## What it buys")[1]
    assert evidence.index("**Real photos") < evidence.index("$ yolo-dsconv report project=docs/results/aquarium416\n")
    assert evidence.index(f"report project=docs/results/aquarium416\n{table}\n```") < evidence.index("**Built-in")
    text = unwrap(README)
    assert f"With {len(runs)} of 15 runs kept so far" in text
    assert "CC BY 4.0" in evidence.split("**Built-in")[0]
    loose, own = converged_counts(runs)
    n = len(runs)
    assert f"{loose} of {n} runs converged by the issue's independent rule and {own} of {n} by the project's" in text
    marked = [r for r in state.summary.rows[1:] if state.summary.interim(r)]
    real = unwrap(evidence.split("**Built-in")[0])
    if marked:  # the dagger the table prints is explained, with the seed counts behind it
        counts = " and ".join(f"{r.n} {r.variant}" for r in marked)
        assert f"A † marks an interim look, not a verdict: {counts} seeds against {state.summary.reference.n} " in real
    else:
        assert "†" not in real
