"""`yolo-dsconv sizes project=DIR [imgsz=] [device=cpu]`: COCO-style AP by object size of every finished run of a
detection comparison, per variant with intervals against the reference; writes sizes.md and sizes.json there."""

from __future__ import annotations

from .args import CLIError, check_imgsz, parse_kv


def run(argv: list[str]) -> int:
    """Compute (once per run), print and write the AP-by-size table of a comparison's folder."""
    from ..compare.errors import CompareError
    from ..compare.sizes import markdown_sizes, project_sizes

    args = parse_kv("sizes", argv, {"project": None, "imgsz": None, "device": "cpu"})
    if args["project"] is None:
        raise CLIError("yolo-dsconv sizes: project= is required (a detection comparison's folder)")
    if args["imgsz"] is not None:
        check_imgsz("sizes", args["imgsz"])
    try:
        rows, md = project_sizes(args["project"], args["imgsz"], str(args["device"]))
    except (CompareError, FileNotFoundError) as e:
        raise CLIError(f"yolo-dsconv {e}") from None
    print(markdown_sizes(rows, args["imgsz"] or 0, 0).split("\n", 2)[2])
    print(f"\nmd: {md}\njson: {md.with_suffix('.json')}")
    return 0
