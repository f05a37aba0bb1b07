"""`yolo-dsconv bench`: one table of side-by-side timings (medians of interleaved runs), CSV and JSON beside it.
Keys are the parameters of `yolo_dsconv.bench.run_bench`, plus out= (the folder of the CSV and JSON)."""

from __future__ import annotations

from ..bench.suite import BenchError, run_bench
from ..table import format_table
from .args import CLIError, defaults_of, parse_kv


def run(argv: list[str]) -> int:
    """Run the chosen benchmark parts, print the tables, write CSV/JSON under out=."""
    args = parse_kv("bench", argv, {**defaults_of(run_bench), "out": "bench_results"})
    out = args.pop("out")
    try:
        result = run_bench(**args)
    except BenchError as e:
        raise CLIError(f"yolo-dsconv {e}") from None
    env = result.environment
    table = [
        [r.part, r.shape, r.variant, f"{r.ms:.3f}", "-" if r.ratio is None else f"{r.ratio:.3f}", r.ratio_to,
         "" if r.params is None else f"{r.params:,}", "" if r.gflops is None else f"{r.gflops:.2f}"]
        for r in result.rows
    ]  # fmt: skip
    print(f"\nyolo-dsconv bench ({', '.join(f'{k}={v}' for k, v in env.items())}); medians of interleaved runs")
    print(format_table(["part", "shape", "variant", "median ms", "ratio", "ratio to", "params", "GFLOPs"], table))
    if result.targets:
        print("\nTargets")
        print(format_table(["target", "measured", "limit", ""], [t.cells() for t in result.targets]))
    csv_path, json_path = result.write(str(out))
    print(f"\nwritten: {csv_path}, {json_path}")
    return 0
