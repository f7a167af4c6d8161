"""The skeleton's guides, docs/, as the service reads them: its own name in the examples.

`make rename` leaves docs/ as the skeleton wrote it, for the skeleton's own package name, so
that the skeleton's later changes to its pages merge without conflicts. The tests that run the
pages' examples, as a team copies them, read them with the service's name and prefix in its
place. The name is read from the pages themselves, as core names no package.
"""

from __future__ import annotations

import re

from ..identity import ENV_PREFIX, SERVICE
from .service import PROJECT

GUIDES = PROJECT / "docs"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
# A worked example: the file a page names in backquotes, then, after a colon, its code.
EXAMPLE = re.compile(r"`([\w/]+\.py)`[^`]*?:\n\n```python\n(.*?)```", re.DOTALL)


def written_for() -> str:
    """The name the guides give the package: the one the API guide's first example imports."""
    found = re.search(r"^from (\w+)\.core import", (GUIDES / "api.md").read_text(), re.MULTILINE)
    if found is None:
        raise LookupError("docs/api.md has no example that imports the package's core")
    return found[1]


def guide(page: str) -> str:
    """The text of docs/`page`, the package's name in it the service's own."""
    text = (GUIDES / page).read_text(encoding="utf-8")
    name = written_for()
    return text.replace(name.upper() + "_", ENV_PREFIX).replace(name, SERVICE)


def python_blocks(text: str) -> list[str]:
    """The blocks of Python of a page's text, in order."""
    return PYTHON_BLOCK.findall(text)


def examples(text: str) -> dict[str, str]:
    """A page's worked examples: the code of each file it names, by the file's path."""
    return dict(EXAMPLE.findall(text))
