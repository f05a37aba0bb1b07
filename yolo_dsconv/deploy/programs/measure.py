"""Raw head outputs and latency of models in one runtime, loaded back as Ultralytics loads them (`AutoBackend`).

    python -m yolo_dsconv.deploy.programs.measure '{"paths": {"stock": ..., "dsconv": ...}, "x": "x320.npy",
        "out": ".../out_{}.npy", "f32": false, "latency": true, "rounds": 200}'

Saves each model's outputs on the images `x` to `out` (`{}`: the model's name) and prints `MEDIANS <json>`: seconds
per batch-1 call, interleaved rounds, two threads (every runtime's default on a 2-core machine).
"""

from __future__ import annotations

import json
import sys


def _openvino_f32() -> None:
    """Make every OpenVINO Core that AutoBackend creates run at f32 (its CPU default is bf16 where the CPU has it)."""
    import openvino as ov

    make = ov.Core

    def core() -> ov.Core:
        c = make()
        c.set_property("CPU", {"INFERENCE_PRECISION_HINT": ov.Type.f32})
        return c

    ov.Core = core


def main(args: dict) -> None:
    """Outputs of every model in `paths`, then (with `latency`) their interleaved medians."""
    import numpy as np
    import torch
    from ultralytics.nn.autobackend import AutoBackend

    import yolo_dsconv  # noqa: F401  (registers the modules)

    from ...bench.timing import interleaved_medians

    torch.set_num_threads(2)
    if args["f32"]:
        _openvino_f32()
    x = torch.from_numpy(np.load(args["x"]))
    fns = {}
    for name, path in args["paths"].items():
        b = AutoBackend(path, device=torch.device("cpu"), fp16=False, fuse=True, verbose=False)
        b.eval()
        with torch.no_grad():
            ys = []
            for i in range(len(x)):
                y = b(x[i : i + 1])
                y = y[0] if isinstance(y, (list, tuple)) else y
                ys.append(np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y, dtype=np.float32))
        np.save(args["out"].format(name), np.concatenate(ys))
        fns[name] = lambda b=b: b(x[:1])
    out = {}
    if args["latency"]:
        with torch.no_grad():
            out = interleaved_medians(fns, rounds=args["rounds"], warmup=5)
    print("MEDIANS", json.dumps(out))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
