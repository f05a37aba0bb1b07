"""Write a derived model (`transforms.DERIVED`) of a trained dsconv checkpoint, fused, in half precision as
Ultralytics saves its models.

    python -m yolo_dsconv.deploy.programs.derive '{"name": "dsconv-baked", "src": ".../best.pt", "imgsz": 320,
        "dst": ".../model.pt"}'
"""

from __future__ import annotations

import json
import sys


def main(args: dict) -> None:
    """Load `src` through Ultralytics' loader (and the plugin's checkpoint screen), derive, save to `dst`."""
    import torch
    from ultralytics.nn.tasks import torch_safe_load

    import yolo_dsconv  # noqa: F401  (registers the modules and the checkpoint screen)

    from ..transforms import DERIVED

    ck, _ = torch_safe_load(args["src"])
    model = ck["model"].float().fuse().eval()
    ck["model"], ck["ema"] = DERIVED[args["name"]](model, args["imgsz"]).half(), None
    torch.save(ck, args["dst"])


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
