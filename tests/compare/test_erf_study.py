"""`yolo-dsconv erf project=DIR`: the ERF of every finished run of a comparison, on unseen images of its kind, kept
per run so a repeated study computes only what is new; checked against compute_erf on each run's own weights."""

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import record_run, run_cmd
from yolo_dsconv.analysis import compute_erf
from yolo_dsconv.compare import CompareError, comparison, scheduler
from yolo_dsconv.compare.erf_study import erf_study, run_erfs, unseen_images, write_study
from yolo_dsconv.compare.keep import keep
from yolo_dsconv.compare.runs import RUN_FILE
from yolo_dsconv.compare.sizes import project_sizes

SAMPLES = 4
ONE_OF = "give model= (a YAML or .pt) or project= (a comparison's folder), one of them"


def _train_run(variant, seed, project, data, train, metric, placement=None, log=False):
    """A finished run without training: a flat-topped curve and a best.pt of the variant's model (seeded)."""
    from ultralytics.nn.tasks import DetectionModel

    weights = project / variant.name / f"seed{seed}" / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1000 + seed)
    model = DetectionModel(variant.model, verbose=False).half()
    torch.save({"model": model, "train_args": {}}, weights / "best.pt")
    return record_run(project, variant.name, seed, metric, [0.5 * (1 - np.exp(-0.5 * e)) for e in range(1, 31)])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A finished stock/dsconv × 2-seed comparison on the harder built-in data at 32 px (training replaced)."""
    folder = tmp_path_factory.mktemp("erf") / "p"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scheduler, "train_run", _train_run)
        comparison.compare(project=folder, variants="stock,dsconv", seeds=2, n_train=2, n_val=1, imgsz=32,
                           shapes="hard", verbose=False)  # fmt: skip
    return folder


def test_each_runs_erf_is_its_best_pt_on_unseen_images_made_like_the_studys(project):
    from ultralytics.nn.tasks import load_checkpoint

    lines = []
    meta, groups = erf_study(project, samples=SAMPLES, progress=lines.append)
    assert meta["imgsz"] == 64 and meta["images"] == SAMPLES  # twice the training size
    made = json.loads((project / "erf-data" / "dataset.json").read_text())
    trained_on = json.loads((project / "compare_config.json").read_text())["data"]["built_in"]
    for key in ("max_objects", "clutter", "min_frac", "max_frac", "imgsz"):
        assert made[key] == trained_on[key]  # the comparison's kind of image ...
    assert (made["seed"], trained_on["seed"]) == (1, 0)  # ... none of which it trained on
    kinds = [(v, k) for v in ("stock", "dsconv") for k in ("trained", "init")]
    assert [(g.variant, g.weights, g.seeds) for g in groups] == [(v, k, [0, 1]) for v, k in kinds]
    assert lines == [f"erf: {v}/seed{s}: computed" for v in ("stock", "dsconv") for s in (0, 1)]
    config = json.loads((project / "compare_config.json").read_text())
    images = unseen_images(project, config, SAMPLES, 64)
    for g in groups:
        for seed, r in zip(g.seeds, g.results):
            if g.weights == "trained":
                model = load_checkpoint(str(project / g.variant / f"seed{seed}" / "weights" / "best.pt"))[0]
                expected = compute_erf(model, 64, images=images)
                torch.testing.assert_close(r.erf, expected.erf)
                assert (r.side50, r.side90, r.halves) == (expected.side50, expected.side90, expected.halves)
            assert r.layer == (9 if g.variant == "stock" else 10)  # P5: SPPF, or the ExpandConv after it
    trained = {g.variant: g for g in groups if g.weights == "trained"}
    assert not np.array_equal(trained["stock"].results[0].erf, trained["stock"].results[1].erf)  # its own weights


def test_a_comparison_on_a_dataset_yaml_measures_on_its_test_split_else_its_val_split(tmp_path):
    import yaml

    from yolo_dsconv.analysis import dataset_images
    from yolo_dsconv.compare.erf_study import erf_split
    from yolo_dsconv.data import generate_shapes_dataset

    data = generate_shapes_dataset(tmp_path / "user", n_train=3, n_val=3, imgsz=32, seed=5)
    config = {"data": {"yaml": str(data), "sha256": "-"}}
    images = unseen_images(tmp_path / "p", config, 3, 64)
    torch.testing.assert_close(images, dataset_images(data, 3, 64))
    assert erf_split(data) == "val" and images.shape == (3, 3, 64, 64) and not (tmp_path / "p").exists()
    spec = yaml.safe_load(data.read_text())
    data.write_text(yaml.safe_dump({**spec, "test": "images/train"}))  # a test split: the one never selected on
    assert erf_split(data) == "test"
    torch.testing.assert_close(
        unseen_images(tmp_path / "p", config, 3, 64), dataset_images(data.parent / "images" / "train", 3, 64)
    )


def test_a_repeated_study_reads_the_kept_maps_and_recomputes_a_run_whose_weights_changed(project, monkeypatch):
    first = erf_study(project, samples=SAMPLES)[1]
    best = project / "dsconv" / "seed1" / "weights" / "best.pt"
    stat = best.stat()
    os.utime(best, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # as if trained again
    lines = []
    monkeypatch.chdir(project.parent)
    meta, again = erf_study(project.name, samples=SAMPLES, progress=lines.append)
    assert meta["project"] == project.name  # recorded as given (erf.md names it), not as this machine's path
    assert lines == [
        "erf: stock/seed0: kept", "erf: stock/seed1: kept", "erf: dsconv/seed0: kept", "erf: dsconv/seed1: computed",
    ]  # fmt: skip
    for a, b in zip(first, again):
        for x, y in zip(a.results, b.results):
            np.testing.assert_array_equal(x.erf, y.erf)
            for attribute in ("side50", "side90", "halves", "layer", "samples"):
                assert getattr(x, attribute) == getattr(y, attribute)
    assert sorted(p.name for p in (project / "stock" / "seed0").glob("erf_*")) == [f"erf_64px_{SAMPLES}.npz"]
    other = torch.rand(SAMPLES, 3, 64, 64)  # other images of the same size and number: not the kept maps' images
    assert run_erfs(project / "stock" / "seed0", "yolov5n.yaml", 0, other)[1] is False
    assert run_erfs(project / "stock" / "seed0", "yolov5n.yaml", 0, other)[1] is True


def test_kept_maps_are_block_sums_of_the_full_maps_and_the_sides_are_the_full_maps(project, tmp_path):
    import torch.nn.functional as F
    from ultralytics.nn.tasks import load_checkpoint

    run = tmp_path / "seed0"
    shutil.copytree(project / "stock" / "seed0" / "weights", run / "weights")
    images = unseen_images(tmp_path, json.loads((project / "compare_config.json").read_text()), 2, 256)
    erfs, kept = run_erfs(run, "yolov5n.yaml", 0, images)
    full = compute_erf(load_checkpoint(str(run / "weights" / "best.pt"))[0], 256, images=images)
    trained = erfs["trained"]
    assert not kept and trained.erf.shape == (128, 128)
    block_sums = F.avg_pool2d(torch.from_numpy(full.erf)[None, None], 2)[0, 0] * 4
    torch.testing.assert_close(torch.from_numpy(trained.erf), block_sums)
    assert (trained.side50, trained.side90, trained.halves) == (full.side50, full.side90, full.halves)
    again, kept = run_erfs(run, "yolov5n.yaml", 0, images)
    assert kept and np.array_equal(again["trained"].erf, trained.erf) and again["init"].erf.shape == (128, 128)


def test_a_study_in_progress_uses_the_finished_runs(project, tmp_path):
    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    (copy / "dsconv" / "seed1" / RUN_FILE).unlink()  # still training
    groups = erf_study(copy, samples=SAMPLES)[1]
    seeds = [(g.variant, g.weights, g.seeds) for g in groups]
    assert seeds[2:] == [("dsconv", "trained", [0]), ("dsconv", "init", [0])]


def test_results_kept_with_the_erf_maps_but_not_the_weights_give_the_same_study(project, tmp_path):
    meta, first = erf_study(project, samples=SAMPLES)
    write_study(meta, first, project / "erf")
    results = tmp_path / "results"  # as a study commits them: results and kept maps, no weights, no data
    kept = keep(project, results)
    tops = sorted(p.name for p in results.iterdir() if p.is_file())
    assert tops == sorted(["compare_config.json", "compare.csv", "compare.json", "compare.md", "compare.png",
                           "erf.json", "erf.md", "erf.png"])  # fmt: skip
    assert [p.relative_to(project).as_posix() for p in kept] == [
        f"{v}/seed{s}" for v in ("dsconv", "stock") for s in (0, 1)
    ]  # fmt: skip
    assert not list(results.rglob("*.pt")) and not (results / "data").exists()
    assert sorted(p.name for p in (results / "stock" / "seed0").iterdir()) == sorted(
        ["compare_run.json", f"erf_64px_{SAMPLES}.npz"]  # and results.csv and args.yaml, which a real run has
    )
    lines = []
    again = erf_study(results, samples=SAMPLES, progress=lines.append)[1]
    assert lines == [f"erf: {v}/seed{s}: kept" for v in ("stock", "dsconv") for s in (0, 1)]
    for a, b in zip(first, again):
        assert (a.variant, a.weights, a.seeds) == (b.variant, b.weights, b.seeds)
        for x, y in zip(a.results, b.results):
            np.testing.assert_array_equal(x.erf, y.erf)
            assert (x.side50, x.side90, x.halves) == (y.side50, y.side90, y.halves)


def test_ap_by_size_kept_without_the_weights_gives_the_same_table(project, tmp_path):
    copy = tmp_path / "p"
    shutil.copytree(project, copy)
    rows, md = project_sizes(copy)  # each run's best.pt predicts the validation split once
    runs = [f"{v}/seed{s}" for v in ("dsconv", "stock") for s in (0, 1)]
    assert sorted(p.parent.relative_to(copy).as_posix() for p in copy.glob("*/seed*/sizes_*px.json")) == runs
    assert rows and {r["variant"] for r in rows} == {"stock", "dsconv"}
    results = tmp_path / "results"
    keep(copy, results)
    assert not list(results.rglob("*.pt")) and not (results / "data").exists()
    again, md_again = project_sizes(results)  # no weights, no data: the kept values alone
    assert [(r["variant"], r["size"], r["mean"]) for r in again] == [(r["variant"], r["size"], r["mean"]) for r in rows]
    assert md_again.read_text() == md.read_text()
    assert json.loads((results / "sizes.json").read_text()) == json.loads((copy / "sizes.json").read_text()) | {
        "data": str(results / "data" / "data.yaml")
    }


def test_a_kept_study_copied_back_is_summarised_again_without_training(project, tmp_path, monkeypatch):
    """What a study on machines that do not last relies on: its kept copy (records, no weights) is a project folder
    that `compare` with the same settings reads again, training nothing and summarising as the original did."""
    from ultralytics.engine.model import Model

    results = tmp_path / "results"
    keep(project, results)

    def no_training(model, **train):
        raise AssertionError(f"a kept run was trained again: {train}")

    monkeypatch.setattr(Model, "train", no_training)
    again = comparison.compare(project=results, variants="stock,dsconv", seeds=2, n_train=2, n_val=1, imgsz=32,
                               shapes="hard", verbose=False)  # fmt: skip
    assert [(r.variant, r.seed, r.status) for r in again.runs] == [
        (v, s, "reused") for s in (0, 1) for v in ("stock", "dsconv")
    ]
    rows = [json.loads((p / "compare.json").read_text())["summary"] for p in (project, results)]
    for row in (r for both in rows for r in both):
        assert Path(row.pop("model")).parent.parent in (project, results)  # each names its own models/
    assert rows[1] == rows[0]


def test_keep_refuses_a_folder_that_is_not_a_comparisons_with_nothing_written(tmp_path):
    from yolo_dsconv.cli.main import main

    (tmp_path / "runs").mkdir()
    with pytest.raises(
        CompareError, match=r"runs holds no compare_config.json, expected a comparison's project folder"
    ):
        keep(tmp_path / "runs", tmp_path / "out")
    assert main(["keep", f"project={tmp_path / 'runs'}", f"out={tmp_path / 'out'}"]) == 2
    assert not (tmp_path / "out").exists()


def test_keep_adds_the_runs_finished_since_and_refuses_another_comparisons_folder(project, tmp_path, capsys):
    from yolo_dsconv.cli.main import main

    results = tmp_path / "results"
    assert main(["keep", f"project={project}", f"out={results}"]) == 0
    assert "4 finished run(s)" in capsys.readouterr().out
    assert len(keep(project, results)) == 4  # again: the same runs, nothing lost
    other = tmp_path / "other"
    shutil.copytree(project, other)
    config = json.loads((other / "compare_config.json").read_text())
    (other / "compare_config.json").write_text(json.dumps({**config, "base": "yolov8n.yaml"}))
    with pytest.raises(CompareError, match="keeps another comparison"):
        keep(other, results)
    with pytest.raises(CompareError, match="is inside project="):
        keep(project, project / "kept")
    assert not (project / "kept").exists()


def test_results_without_weights_refuse_maps_kept_for_other_images(project, tmp_path):
    erf_study(project, samples=SAMPLES)
    results = tmp_path / "results"
    shutil.copytree(project, results)
    (results / "dsconv" / "seed1" / "weights" / "best.pt").unlink()
    kept = results / "dsconv" / "seed1" / f"erf_64px_{SAMPLES}.npz"
    with np.load(kept) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez_compressed(kept, **{**arrays, "images": "the digest of other images"})
    (results / "stock" / "seed0" / kept.name).unlink()  # a run the study would measure first
    with pytest.raises(CompareError, match=r"dsconv/seed1/weights/best.pt is missing and .* holds no maps of these"):
        erf_study(results, samples=SAMPLES)
    assert not (results / "stock" / "seed0" / kept.name).exists()  # refused before any run was measured
    with pytest.raises(CompareError, match="holds no maps of these images, expected the run's weights"):
        run_erfs(kept.parent, "yolov5n-dsconv.yaml", 1, unseen_images(results, json.loads(
            (results / "compare_config.json").read_text()), SAMPLES, 64))  # fmt: skip


def test_the_table_json_and_figure(project, tmp_path):
    meta, groups = erf_study(project, samples=SAMPLES)
    lines = write_study(meta, groups, tmp_path / "out" / "erf")
    doc = json.loads((tmp_path / "out" / "erf.json").read_text())
    assert (tmp_path / "out" / "erf.md").read_text().splitlines() == lines
    for row, g, line in zip(doc["rows"], groups, lines[4:]):
        sides = [r.side50 for r in g.results]
        assert row["side50"] == pytest.approx([np.mean(sides), np.std(sides, ddof=1)])
        assert row["largest_halves_gap"] == max(abs(r.halves[0][k] - r.halves[1][k]) for r in g.results for k in (0, 1))
        converged = f"{row['converged']}/2" if g.weights == "trained" else "-"
        assert line.startswith(f"| {g.variant} | {g.weights} | 2 | {converged} | {row['side50'][0]:.1f} ± ")
    assert [r["per_seed"][0][0] for r in doc["rows"]] == [0, 0, 0, 0]
    for g in groups:  # the figure's titles give the table's means
        mean = g.mean_map()
        assert (mean.side50, mean.side90) == (round(g.side("side50")[0]), round(g.side("side90")[0]))
        torch.testing.assert_close(mean.erf, np.mean([r.erf for r in g.results], axis=0))
    assert (tmp_path / "out" / "erf.png").stat().st_size > 0


def test_erf_command_on_a_project(project, tmp_path):
    out = tmp_path / "study"
    proc = run_cmd(["yolo-dsconv", "erf", f"project={project}", f"samples={SAMPLES}", f"out={out}"])
    assert len(re.findall(r"^erf: \w+/seed\d: (kept|computed)$", proc.stdout, re.M)) == 4
    assert {p.suffix for p in tmp_path.glob("study.*")} == {".md", ".json", ".png"}
    assert "| dsconv | trained | 2 |" in proc.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["model=yolov5n.yaml", "project=P"], ONE_OF),
        ([], ONE_OF),
        (["project=P", "layer=3"], "layer= applies to model=, not to project= (P5 of each run's model)"),
        (["project=P", "samples=1"], "samples=1 is invalid, expected an integer ≥ 2 (two halves of the images)"),
        (["project=P", "samples=0"], "samples=0 is invalid, expected a positive integer"),
        (["project=EMPTY"], "project=EMPTY holds no compare_config.json, expected a comparison's project folder"),
        (
            ["project=NOWEIGHTS", f"samples={SAMPLES}"],
            f"NOWEIGHTS/stock/seed0/weights/best.pt is missing (4 of 4 finished runs have neither best.pt nor "
            f"erf_64px_{SAMPLES}.npz), expected the folder the comparison trained in, with its weights, or the runs' "
            "kept maps",
        ),
    ],
)
def test_erf_command_refuses_bad_input_with_nothing_written(project, tmp_path, capsys, args, message):
    from yolo_dsconv.cli.main import main

    (tmp_path / "empty").mkdir()
    no_weights = tmp_path / "results"  # the results of a comparison copied without its weights
    erf_study(project, samples=SAMPLES)  # the maps are kept, but not copied with the results
    shutil.copytree(project, no_weights, ignore=shutil.ignore_patterns("weights", "erf*"))
    folders = {"=P": project, "=EMPTY": tmp_path / "empty", "=NOWEIGHTS": no_weights}
    for key, folder in folders.items():
        args = [a.replace(key, f"={folder}") for a in args]
    message = message.replace("EMPTY", str(tmp_path / "empty")).replace("NOWEIGHTS", str(no_weights))
    before = sorted(project.rglob("*")), sorted(no_weights.rglob("*"))
    assert main(["erf", *args]) == 2
    assert capsys.readouterr().err.strip() == f"error: yolo-dsconv erf: {message}"
    assert (sorted(project.rglob("*")), sorted(no_weights.rglob("*"))) == before
    assert list((tmp_path / "empty").iterdir()) == []
