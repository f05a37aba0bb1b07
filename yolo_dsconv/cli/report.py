"""`yolo-dsconv report file=compare.json [margin=] [level=] [out=]`: a finished comparison read again under the current
rules, or another margin or level, without training anything (writes compare.md and compare.png)."""

from __future__ import annotations

import json
from pathlib import Path

from .args import REQUIRED, CLIError, parse_kv


def run(argv: list[str]) -> int:
    """Print the table and notes of a compare.json, and write its compare.md and compare.png (beside it unless out=
    names the .md)."""
    from ..compare.report import format_summary, plot, write_markdown
    from ..compare.summary import summary_from_json

    args = parse_kv("report", argv, {"file": REQUIRED, "margin": None, "level": None, "out": None})
    for key in ("margin", "level"):
        value = args[key]
        bad = value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0)
        if bad or (key == "level" and value is not None and value >= 1):
            expected = "a confidence level between 0 and 1" if key == "level" else "a positive number"
            raise CLIError(f"yolo-dsconv report: {key}={value!r} is invalid, expected {expected}")
    path = Path(str(args["file"]))
    try:
        doc = json.loads(path.read_text())
        config = doc["config"]
    except (OSError, ValueError, KeyError) as e:
        raise CLIError(f"yolo-dsconv report: file={path} is not a compare.json ({type(e).__name__}: {e})") from None
    summary = summary_from_json(doc, args["margin"], args["level"])
    out = Path(str(args["out"])) if args["out"] is not None else path.with_suffix(".md")
    document = {**config, "margin": summary.margin, "tol": summary.tol}
    write_markdown(out, summary, document)
    plot(out.with_suffix(".png"), summary, document)
    print(format_summary(summary))
    print(f"\nmd: {out}\npng: {out.with_suffix('.png')}")
    return 0
