"""What the catalogue commands share (`mutation`, `network_catalogue`): reading a catalogue
module's declarations from its source, and printing their tables. Imports neither torch nor
NumPy: the commands' parent processes stay light."""

from __future__ import annotations

import ast


def literals(tree: ast.Module) -> dict:
    """A module's top-level assignments `NAME = literal`; a value that is not a literal (a
    declaration built with an f-string) as None, present all the same."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    out[target.id] = None
    return out


def pct(n: int, of: int) -> str:
    return f"{100.0 * n / of:.0f}%" if of else "-"


def render(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    """A table: Markdown, or plain columns padded to their widest cell."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]
    )
