"""`yolo_dsconv.classic.register` refuses a module without a classic YOLOv5 parser loudly, and changes nothing then.
(The package's own parser is tested in tests/classic/, in the environment that has it.)"""

import importlib.util
import sys

import pytest

from yolo_dsconv import UnsupportedUltralyticsError, integration
from yolo_dsconv.classic import register

NO_CONTAINER = """
def parse_model(d, ch):
    return [m for m in d]  # no set of Conv-like modules


class BaseModel:
    def fuse(self):
        return self


def check_yaml(file):
    return file
"""


def _module(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_a_module_without_a_classic_parser_is_refused(tmp_path):
    module = _module(tmp_path, "not_yolo", "x = 1\n")
    with pytest.raises(UnsupportedUltralyticsError, match=r"not_yolo has no parse_model, check_yaml, BaseModel; "):
        register(module)
    assert vars(module).keys() >= {"x"} and not hasattr(module, "ExpandConv")


def test_a_parser_without_the_conv_container_is_refused_and_left_as_it_was(tmp_path):
    module = _module(tmp_path, "odd_yolo", NO_CONTAINER)
    parse_model, fuse = module.parse_model, module.BaseModel.fuse
    with pytest.raises(UnsupportedUltralyticsError, match=r"classic odd_yolo: expected exactly one container of Conv"):
        register(module)
    assert module.parse_model is parse_model and module.BaseModel.fuse is fuse
    assert not hasattr(module, "ExpandConv") and not any(m is module for m in integration._classic)
