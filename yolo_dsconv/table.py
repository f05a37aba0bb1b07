"""Plain-text tables for the command-line reports."""

from __future__ import annotations

__all__ = ("format_table",)


def format_table(header: list[str], rows: list[list]) -> str:
    """Right-aligned columns (left for the first), one header rule."""
    cells = [[str(h) for h in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])
