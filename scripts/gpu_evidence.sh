#!/usr/bin/env bash
# The GPU figures of the README ("Speed", "On a GPU"; "Evidence") and docs/results/gpu_h100/, rerunnable on any CUDA machine.
#
#   bash scripts/gpu_evidence.sh OUT bench     # bench in fp32, fp16 weights and AMP (parts that need no hook timing)
#   bash scripts/gpu_evidence.sh OUT compare   # stock, dsconv, sparse, control at 640 px, 5 seeds, on device 0
#   bash scripts/gpu_evidence.sh OUT compare 320   # the same at another image size
#   bash scripts/gpu_evidence.sh OUT all
#
# The comparison trains the four variants side by side on the one GPU: one `yolo-dsconv compare` process per
# variant, all in the same project (each started once the previous one has recorded its variant, so the project's
# configuration is written by one process at a time), then one more call that trains nothing and writes the
# four-variant table, CSV, JSON and plot. Settings are the built-in protocol's except imgsz (640 unless given),
# device=0 and workers=2.
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
  args=(seeds=5 "imgsz=$IMGSZ" device=0 workers=2 "project=$project")
  for v in stock dsconv sparse control; do
    OMP_NUM_THREADS=3 $PY -m yolo_dsconv compare "variants=$v" "${args[@]}" >"$OUT/compare_${IMGSZ}_$v.log" 2>&1 &
    pid=$!
    until grep -qs "\"$v\"" "$project/compare_config.json"; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$OUT/compare_${IMGSZ}_$v.log"; exit 1; }
      sleep 2
    done
  done
  wait
  $PY -m yolo_dsconv compare variants=stock,dsconv,sparse,control "${args[@]}" | tee "$OUT/compare_$IMGSZ.txt"
fi
