# Everything runs in a virtual environment at .venv, created on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline-safe defaults for Ultralytics (docs/design.md, "Running without internet"); override on the command line if you have internet.
export YOLO_OFFLINE ?= 1
export YOLO_AUTOINSTALL ?= false

.PHONY: install demo info docs dist test test-all classic-env exports-env exports lint ultralytics-tests versions versions-ci mutation bench clean

install: $(STAMP)

# A new venv takes about 6.5 GB (torch 2.14.1 is a CUDA build, docs/design.md): check the disk before pip fills it.
NEED_GIB := 8

$(STAMP): setup.cfg setup.py pyproject.toml constraints.txt
	@test -x $(BIN)/python || { free=$$(df -Pk . | awk 'NR==2 {print int($$4 / 1048576)}'); \
	  test "$$free" -ge $(NEED_GIB) || { echo "make install: $$free GiB free on the disk of $$PWD; a new venv needs" \
	  "about $(NEED_GIB) GiB (torch's CUDA build). Free some space and run it again." >&2; exit 1; }; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=23" "setuptools>=70" wheel
	$(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation -e ".[dev,docs]"
	touch $(STAMP)

demo: $(STAMP)  ## main job: stock yolov5n against yolov5n-dsconv, 3 seeds each on the built-in data, with intervals and verdicts
	$(BIN)/yolo-dsconv compare variants=stock,dsconv seeds=3 project=demo_runs

docs: $(STAMP)  ## the documentation site into site/ (MkDocs, offline, warnings as errors)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

dist: $(STAMP)  ## the release: sdist and wheel into dist/, checked by twine (the version is yolo_dsconv/_version.py)
	rm -rf dist build
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

info: $(STAMP)
	$(BIN)/yolo-dsconv info model=yolov5s-dsconv.yaml

# Classic YOLOv5 (the `yolov5` package) in its own environment on top of .venv: its opencv-python-headless must not
# enter the dev venv. The requirements are setup.cfg's `classic` extra.
CLASSIC := .cache/classic

classic-env: $(CLASSIC)/.ready

$(CLASSIC)/.ready: $(STAMP) setup.cfg scripts/overlay.py
	$(BIN)/python scripts/overlay.py $(CLASSIC) --extra classic

test: $(STAMP) $(CLASSIC)/.ready  ## the test suite (slow end-to-end tests excluded), then the classic YOLOv5 tests in their environment; each ends with its slowest tests
	$(BIN)/python -m pytest -q --durations=15 --ignore=tests/classic
	YOLO_DSCONV_CLASSIC=1 $(CLASSIC)/bin/python -m pytest -q --durations=5 tests/classic

lint: $(STAMP)  ## ruff (configuration in pyproject.toml): lint and formatting, both must be clean
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-all: $(STAMP) $(CLASSIC)/.ready
	$(BIN)/python -m pytest -q -m "slow or not slow" --ignore=tests/classic
	YOLO_DSCONV_CLASSIC=1 $(CLASSIC)/bin/python -m pytest -q -m "slow or not slow" tests/classic

ultralytics-tests: $(STAMP)  ## Ultralytics' own test suite without and with the plugin; fails on any difference
	$(BIN)/python scripts/ultralytics_tests.py

versions: $(STAMP)  ## the release matrix over 9 Ultralytics releases (needs the package index; README "Supported versions")
	$(BIN)/python scripts/release_matrix.py --out docs/results/release_matrix

versions-ci: $(STAMP)  ## the lowest and highest supported release end to end, and one below the range refused
	$(BIN)/python -m pytest -q -m slow tests/versions

mutation: $(STAMP)  ## mutation testing of modules/, registry.py, yaml_tools/, paths.py, checks.py (about 25 min; not in CI)
	$(BIN)/python -m pip install -q "mutmut==3.8.1"
	rm -rf mutants
	OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

# The export toolchains (TensorFlow, PaddlePaddle, MNN, ExecuTorch, LiteRT, Core ML tools) in their own environment:
# setup.cfg's `exports` extra on top of .venv, about 4 GB.
EXPORTS := .cache/exports

exports-env: $(EXPORTS)/.ready

$(EXPORTS)/.ready: $(STAMP) setup.cfg scripts/overlay.py
	$(BIN)/python scripts/overlay.py $(EXPORTS) --extra exports

exports: $(EXPORTS)/.ready  ## the export matrix (README "Deploying"): 11 formats × stock/dsconv (+ baked, undilated controls) × yolov5n/yolov8n × 320/640, parity and latency (about 2 h; not in CI)
	$(EXPORTS)/bin/python scripts/export_matrix.py

bench: $(STAMP)  ## speed targets (README "Speed")
	$(BIN)/yolo-dsconv bench

clean:
	rm -rf $(VENV) build dist site *.egg-info .pytest_cache
