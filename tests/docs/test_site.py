"""The documentation site: built offline with warnings as errors, no broken local link or image, figures shown."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers import REPO


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (tag == "img" and name == "src")):
                self.found.append((tag, value))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _local(page: Path, target: str, root: Path) -> Path | None:
    url = urlparse(target)
    if url.scheme or url.netloc or target.startswith(("#", "mailto:", "javascript:")):
        return None
    path = unquote(url.path)
    resolved = (root / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    return resolved / "index.html" if path.endswith("/") or resolved.is_dir() else resolved


def test_no_broken_local_link_or_image(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    broken = []
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(errors="replace"))
        for tag, target in parser.found:
            local = _local(page, target, site)
            if local is not None and not local.exists():
                broken.append(f"{page.relative_to(site)}: {tag} {target}")
    assert not broken, "\n".join(broken[:20])


def test_the_evidence_pages_show_their_figures(site):
    for page, figure in (("evidence/built-in/index.html", "compare.png"),
                         ("results/hard256_cos60/index.html", "compare.png")):  # fmt: skip
        parser = _Links()
        parser.feed((site / page).read_text())
        images = [t for tag, t in parser.found if tag == "img" and t.endswith(figure)]
        assert images and all(_local(site / page, t, site).stat().st_size > 20_000 for t in images), page


def test_the_api_reference_is_generated_from_the_docstrings(site):
    text = (site / "reference" / "index.html").read_text()
    assert "Dilated depthwise-separable neck module" in text and "restricted" in text
