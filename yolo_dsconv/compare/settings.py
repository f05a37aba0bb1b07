"""What a comparison is asked, as one frozen object: checked and resolved once, written to `compare_config.json` and
read back from it.

`CompareSettings(...)` checks every argument when it is made (nothing is written then) and resolves what follows
from them: the variant names as a tuple, the training arguments merged with the built-in protocol (those equal to
Ultralytics' defaults dropped), `init` from `pretrained=`, the project folder made absolute. Its `config()` is the
part of `compare_config.json` a second call must match; `CompareSettings.from_config` reads that file back.

>>> s = CompareSettings.of(variants="stock,dsconv", seeds=5, epochs=60, patience=100)
>>> s.variants, s.seeds, s.train["epochs"], "patience" in s.train  # patience=100 is Ultralytics' own default
(('stock', 'dsconv'), 5, 60, False)
>>> CompareSettings(seeds=0)
Traceback (most recent call last):
    ...
yolo_dsconv.compare.errors.CompareError: compare: seeds=0 is invalid, expected a positive integer or auto
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ..checks import RULES, Rule, check, is_number
from ..data import LEVELS, TASKS
from ..modules import INITS
from .devices import split_devices
from .errors import CompareError
from .runs import METRICS
from .sequential import AUTO_START
from .summary import DEFAULT_MARGIN
from .variants import VARIANTS, check_names

__all__ = ("BACKENDS", "RESERVED", "TRAIN_DEFAULTS", "CompareSettings")

BACKENDS = ("local", "ray")

# The built-in protocol (README, "Evidence"): at Ultralytics' automatic choice (AdamW at lr 0.00125 for 4 classes) a
# 30-epoch run takes off at a random epoch or not at all; at lr0=0.004 every measured run converges.
TRAIN_DEFAULTS: dict[str, Any] = {
    "epochs": 30,
    "imgsz": 128,
    "batch": 8,
    "nbs": 8,
    "optimizer": "AdamW",
    "lr0": 0.004,
    "workers": 0,
    "device": "cpu",
    "amp": False,
    "plots": False,
}

RESERVED = ("model", "project", "name", "seed", "exist_ok", "resume", "data", "mode", "deterministic")


def _names(variants: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """A comma string or a sequence of variant names as a tuple of stripped names."""
    items = variants.split(",") if isinstance(variants, str) else variants
    return tuple(str(v).strip() for v in items if str(v).strip())


def _is_file_arg(value: Any) -> bool:
    """Whether a pretrained= value names a file (Ultralytics also takes True/False there)."""
    return isinstance(value, str) and value not in ("True", "False")


@dataclass(frozen=True)
class CompareSettings:
    """A comparison's protocol: every argument of `compare` but the training ones, which live in `train`.

    Attributes:
        base: an SPPF-based Ultralytics model YAML (a name such as yolov8s.yaml, or a path).
        variants: names of `variants.VARIANTS` or model YAML paths (a comma string is split).
        seeds: number of seeds; seed k sets Ultralytics' `seed=k` (initialisation and training order), never data.
            "auto": start with AUTO_START seeds and add one seed per variant until every verdict on `metric` is
            decided or `max_seeds` is reached, each look testing at (1 - level) / looks (Bonferroni).
        data: a dataset YAML; None generates the built-in shapes dataset (n_train/n_val images, data seed 0) with
            the base's task labels (detect, segment, pose or obb).
        project: the comparison's folder (see comparison.py), made absolute.
        metric: map50 or map50-95: selects each run's best epoch, decides the verdicts, and is plotted.
        level: the confidence level of the intervals and tests (alpha = 1 - level).
        margin: the equivalence margin in metric units: differences within ±margin count as no difference.
        max_seeds: the most seeds per variant seeds=auto trains.
        tol: the gain over a run's last 20 % of epochs above which it counts as still rising (default margin / 2).
        jobs: runs at a time, each in a process of its own with its output in its train.log (1: in this process).
            With a device list (device=0,1,2,3) each run gets one GPU, spread evenly; never DDP.
        backend: local (this machine), or ray: one Ray task per run.
        address: backend=ray only: "auto" or host:port joins a running cluster; None starts a local instance.
        threads: torch threads per run (default: the cores divided by jobs; Ray: 1 per task).
        n_train, n_val: training and validation images of the built-in dataset.
        shapes: the built-in dataset's difficulty, a key of `yolo_dsconv.data.LEVELS` (easy, hard).
        init: how the grafted variants start: "default", or "identity" (an outer shortcut whose last BatchNorm scale
            is zero, so that from shared pretrained= weights every variant computes the same function at step 0).
            None: identity with a pretrained= file (the real-photo pilot, docs/results/protocol.md), else default.
        sizes: also score COCO-style AP for small, medium and large boxes of every run (detection only): a table
            per variant with intervals in compare.md and compare.json, each run's values kept in its folder.
        verbose: Ultralytics' progress output.
        train: Ultralytics train arguments (epochs, imgsz, batch, device, lr0, pretrained=PATH, ...);
            TRAIN_DEFAULTS fill the rest. Read it, never change it.

    Raises:
        CompareError: the first bad argument, naming its value and what was expected.
    """

    base: str = "yolov5n.yaml"
    variants: tuple[str, ...] | str = ",".join(VARIANTS)  # as a user types it (the CLI's did-you-mean shows it)
    seeds: int | str = 3
    data: str | None = None
    project: Path = Path("compare_runs")
    metric: str = "map50-95"
    level: float = 0.95
    margin: float = DEFAULT_MARGIN
    max_seeds: int = 10
    tol: float | None = None
    jobs: int = 1
    backend: str = "local"
    address: str | None = None
    threads: int | None = None
    n_train: int = 96
    n_val: int = 32
    shapes: str = "easy"
    init: str | None = None
    sizes: bool = False
    verbose: bool = True
    train: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, **kwargs: Any) -> CompareSettings:
        """Settings from `compare`'s keyword arguments: its own keys, and any Ultralytics train argument."""
        own = {f.name for f in fields(cls)} - {"train"}
        train = {k: v for k, v in kwargs.items() if k not in own}
        return cls(**{k: v for k, v in kwargs.items() if k in own}, train=train)

    def __post_init__(self) -> None:
        from ultralytics.cfg import DEFAULT_CFG_DICT

        set_ = object.__setattr__  # the one place a frozen instance is completed
        set_(self, "base", str(self.base))
        set_(self, "variants", check_names(_names(self.variants)))
        if self.seeds == "auto":
            check("max_seeds", self.max_seeds, "compare", Rule(low=AUTO_START), CompareError)
            if len(self.variants) < 2:
                raise CompareError(
                    "compare: seeds=auto needs at least 2 variants (a reference and one to compare with it)"
                )
        elif not RULES["seeds"].accepts(self.seeds):
            raise CompareError(f"compare: seeds={self.seeds!r} is invalid, expected a positive integer or auto")
        if self.metric not in METRICS:
            raise CompareError(f"compare: metric={self.metric!r} is invalid, expected one of {', '.join(METRICS)}")
        for key in ("level", "margin", "jobs", "n_train", "n_val"):
            check(key, getattr(self, key), "compare", error=CompareError)
        for key in ("tol", "threads"):
            if getattr(self, key) is not None:
                check(key, getattr(self, key), "compare", error=CompareError)
        if self.backend not in BACKENDS:
            raise CompareError(f"compare: backend={self.backend!r} is unknown, expected one of {', '.join(BACKENDS)}")
        if self.address is not None and self.backend != "ray":
            raise CompareError(f"compare: address={self.address} joins a Ray cluster and needs backend=ray")
        if self.shapes not in LEVELS:
            raise CompareError(f"compare: shapes={self.shapes!r} is invalid, expected one of {', '.join(LEVELS)}")
        check("sizes", self.sizes, "compare", error=CompareError)
        if self.sizes and self.task != "detect":
            raise CompareError(
                f"compare: sizes=True scores the boxes of a detection comparison, but base={self.base} is a "
                f"{self.task} model; expected a detect base or sizes=False"
            )
        if self.init is not None and self.init not in INITS:
            raise CompareError(f"compare: init={self.init!r} is invalid, expected one of {', '.join(INITS)}")
        for key in self.train:
            if key in RESERVED:
                raise CompareError(f"compare: {key}= is set by compare itself and cannot be given")
            if key not in DEFAULT_CFG_DICT:
                raise CompareError(f"compare: {key}= is not an Ultralytics train argument (see `yolo cfg`)")
        merged = {**TRAIN_DEFAULTS, **self.train}
        set_(self, "train", {k: v for k, v in merged.items() if k in TRAIN_DEFAULTS or v != DEFAULT_CFG_DICT[k]})
        self._check_gpu_sharing()
        if self.init is None:
            set_(self, "init", "identity" if self.pretrained_file else "default")
        set_(self, "project", Path(self.project).resolve())
        if self.data is not None:
            set_(self, "data", str(self.data))

    def _check_gpu_sharing(self) -> None:
        """Refuse AutoBatch when parallel runs share a GPU: each run would size its batch for the whole GPU."""
        gpus = split_devices(self.train.get("device"))
        batch = self.train.get("batch")
        autobatch = is_number(batch) and (batch == -1 or 0 < batch < 1)
        if gpus and self.jobs > len(gpus) and autobatch:
            raise CompareError(
                f"compare: batch={batch} (AutoBatch) sizes a batch for a whole GPU, but jobs={self.jobs} on "
                f"{len(gpus)} GPU(s) puts more than one run on a GPU; give a fixed batch= or jobs= at most the "
                "number of GPUs"
            )

    @property
    def pretrained_file(self) -> str | None:
        """The pretrained= weights file, or None when none is named (Ultralytics also takes True/False there)."""
        value = self.train.get("pretrained")
        return value if _is_file_arg(value) else None

    @property
    def imgsz(self) -> int:
        """The training image size."""
        return self.train["imgsz"]

    @cached_property
    def task(self) -> str:
        """The task of the base YAML, as Ultralytics guesses it from the head (detect, segment, pose, obb, ...)."""
        from ultralytics.nn.tasks import guess_model_task

        from ..yaml_tools.graft import resolve_model_yaml

        return guess_model_task(yaml.safe_load(resolve_model_yaml(self.base).read_text()))

    def with_train(self, **train: Any) -> CompareSettings:
        """A copy with some training arguments replaced (checked again)."""
        return replace(self, train={**self.train, **train})

    def data_record(self) -> dict:
        """How the configuration records the dataset: the built-in one's parameters, or a YAML's path and hash."""
        if self.data is None:
            if self.task not in TASKS:
                raise CompareError(f"compare: the built-in data has no {self.task} labels; pass data= (a dataset YAML)")
            built_in = {"n_train": self.n_train, "n_val": self.n_val, "imgsz": self.imgsz, "seed": 0}
            task = {"task": self.task} if self.task != "detect" else {}
            return {"built_in": {**built_in, **LEVELS[self.shapes], **task}}
        path = Path(self.data).resolve()
        if not path.is_file():
            raise CompareError(
                f"compare: data={self.data!r} is not a file, expected a dataset YAML (or none: built-in)"
            )
        return {"yaml": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}

    def config(self, variants: dict[str, str], pretrained: dict | None = None) -> dict:
        """`compare_config.json`: these settings' fixed part, the variants' YAML hashes and the weights' record."""
        init = {"init": self.init} if self.init != "default" else {}
        weights = {"pretrained": pretrained} if pretrained is not None else {}
        record = {"base": self.base, "train": self.train, "data": self.data_record(), **init, **weights}
        return {**record, "variants": variants}

    @classmethod
    def from_config(cls, config: dict, project: str | Path, **analysis: Any) -> CompareSettings:
        """The settings a `compare_config.json` was written from (`analysis`: metric, level, margin, tol, ...)."""
        data = config["data"]
        built_in = data.get("built_in")
        kwargs: dict[str, Any] = {"data": None if built_in else data["yaml"]}
        if built_in:
            level = {k: v for k, v in built_in.items() if k not in ("n_train", "n_val", "imgsz", "seed", "task")}
            kwargs |= {"n_train": built_in["n_train"], "n_val": built_in["n_val"]}
            kwargs["shapes"] = next((name for name, p in LEVELS.items() if p == level), "easy")
        return cls(
            base=config["base"], variants=tuple(config["variants"]), project=Path(project),
            init=config.get("init", "default"), train=dict(config["train"]), **kwargs, **analysis,
        )  # fmt: skip
