#!/usr/bin/env bash
# The real-photo study (README "Evidence"; protocol in docs/results/protocol.md): yolov5n, stock / dsconv / the
# same-cost control, all from the classic COCO-pretrained YOLOv5n, identity start, fine-tuned on Aquarium
# (CC BY 4.0) at 416 px, 5 seeds each, paired; then seeds=auto up to 10 (it trains nothing more when 5 decide every
# verdict at its corrected level), AP by object size on the valid split (sizes=True: in compare.md and .json), the
# ERF on the test split, and the kept copy under docs/results/aquarium416 (KEEP= another folder). Resumable: run it
# again and finished runs are reused.
#   bash scripts/real_photo_study.sh PROJECT [extra compare args, e.g. device=0 jobs=8]
# On a GPU: bash scripts/real_photo_study.sh PROJECT device=0 jobs=4 workers=2 (CPU and GPU runs are never pooled:
# give each its own PROJECT).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
project="$(realpath -m "${1:?usage: real_photo_study.sh PROJECT [compare args]}")"
shift
realdata="${REALDATA:-$here/../shared/realdata}"
test -f "$realdata/weights/yolov5n.pt" || { echo "real_photo_study: no $realdata/weights/yolov5n.pt" >&2; exit 2; }
export YOLO_OFFLINE=1 YOLO_AUTOINSTALL=false
py="${PYTHON:-$here/.venv/bin/python}"
data="$("$py" -c 'import sys; from yolo_dsconv.data import local_copy; print(local_copy(sys.argv[1], sys.argv[2]))' \
  "$realdata/aquarium/data.yaml" "$project.data")"
study=(base=yolov5n.yaml variants=stock,dsconv,control init=identity pretrained="$realdata/weights/yolov5n.pt"
  data="$data" imgsz=416 epochs=60 patience=20 cos_lr=True close_mosaic=0 batch=16 nbs=16 optimizer=AdamW lr0=0.001
  cache=ram workers=0 jobs=2 sizes=True project="$project")
"$py" -m yolo_dsconv.cli.main compare "${study[@]}" seeds=5 "$@"
"$py" -m yolo_dsconv.cli.main compare "${study[@]}" seeds=auto max_seeds=10 "$@"
"$py" -m yolo_dsconv.cli.main erf project="$project"
"$py" -m yolo_dsconv.cli.main keep project="$project" out="${KEEP:-$here/docs/results/aquarium416}"
