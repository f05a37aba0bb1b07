#!/usr/bin/env bash
# The GPU figures of the README ("Speed", "On a GPU"; "Evidence") and docs/results/gpu_h100/, rerunnable on any CUDA machine.
#
#   bash scripts/gpu_evidence.sh OUT bench     # bench in fp32, fp16 weights and AMP (parts that need no hook timing)
#   bash scripts/gpu_evidence.sh OUT compare   # stock, dsconv, sparse, control at 640 px, 5 seeds, on device 0
#   bash scripts/gpu_evidence.sh OUT compare 320   # the same at another image size
#   bash scripts/gpu_evidence.sh OUT all
#
# The comparison is one `yolo-dsconv compare ... jobs=JOBS` (default 8): every (variant, seed) run in a process of
# its own on the GPU(s) of DEVICE (default 0; a list such as 0,1,2,3 spreads the runs evenly), each run's output in
# its train.log and one progress line on the terminal. Settings are the built-in protocol's except imgsz (640 unless
# given), device and workers=2; EPOCHS (default 30) and SEEDS (default 5) override the budget.
set -euo pipefail
OUT=${1:?usage: gpu_evidence.sh OUT [bench|compare|all]}
WHAT=${2:-all}
IMGSZ=${3:-640}
PY=${PYTHON:-python3}
export YOLO_OFFLINE=${YOLO_OFFLINE:-1} YOLO_AUTOINSTALL=${YOLO_AUTOINSTALL:-false} PYTHONUNBUFFERED=1
mkdir -p "$OUT"

if [[ $WHAT == bench || $WHAT == all ]]; then
  $PY -m yolo_dsconv bench device=0 rounds=50 parts=module,train,model,model_train,dw out="$OUT/bench" \
    | tee "$OUT/bench_fp32.txt"
  $PY -m yolo_dsconv bench device=0 rounds=50 dtype=fp16 parts=module,model,dw out="$OUT/bench" \
    | tee "$OUT/bench_fp16.txt"
  $PY -m yolo_dsconv bench device=0 rounds=50 amp=True parts=train,model,model_train,dw out="$OUT/bench" \
    | tee "$OUT/bench_amp.txt"
fi

if [[ $WHAT == compare || $WHAT == all ]]; then
  project="$OUT/compare_$IMGSZ"
  $PY -m yolo_dsconv compare variants=stock,dsconv,sparse,control "seeds=${SEEDS:-5}" "epochs=${EPOCHS:-30}" \
    "imgsz=$IMGSZ" "device=${DEVICE:-0}" "jobs=${JOBS:-8}" workers=2 "project=$project" | tee "$OUT/compare_$IMGSZ.txt"
fi
