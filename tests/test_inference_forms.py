"""The candidate inference forms (yolo_dsconv/deploy/forms.py) that scripts/inference_forms.py times are exact
rewrites of a fused ExpandConv."""

import pytest
import torch

from yolo_dsconv.deploy.forms import forms as all_forms
from yolo_dsconv.deploy.forms import fused_expandconv


@pytest.mark.parametrize("side", [3, 10, 20])  # P5 of 96, 320 and 640 px: pruning keeps 1, 3 and 5 taps of 9×9/d9
def test_every_form_matches_the_module(side):
    m = fused_expandconv(64)
    x = torch.randn(2, 64, side, side)
    forms = all_forms(m)
    assert list(forms) == ["module", "merged-pw", "merged-dense", "merged-both"]
    assert not m.merged  # the forms take ExpandConv.merge's weights from a copy: the module keeps its branches
    with torch.no_grad():
        ref = m(x)
        for name, f in forms.items():
            torch.testing.assert_close(f(x), ref, msg=name)


def test_merged_forms_have_one_conv_where_the_module_has_three():
    forms = all_forms(fused_expandconv(64))
    assert forms["merged-pw"].pw.groups == 3 and forms["merged-pw"].pw.weight.shape == (96, 32, 1, 1)
    assert forms["merged-dense"].dense.kernel_size == (9, 9) and forms["merged-dense"].dense.groups == 96
    assert forms["merged-dense"].pws is not None and forms["merged-pw"].first is not None
