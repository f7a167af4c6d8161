"""The skeleton's guides, docs/, as the service reads them: its own name in the examples.

`make rename` leaves docs/ as the skeleton wrote it, for the package name below, so that the
skeleton's later changes to its pages merge without conflicts. The tests that run the pages'
examples, as a team copies them, read them with the service's name and prefix in its place.
"""

from __future__ import annotations

import re

from ..startup import ENV_PREFIX, SERVICE
from .service import PROJECT

# The name the guides' examples give the package: the skeleton's own.
WRITTEN_FOR = "myservice"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def guide(page: str) -> str:
    """The text of docs/`page`, the package's name in it the service's own."""
    text = (PROJECT / "docs" / page).read_text(encoding="utf-8")
    return text.replace(WRITTEN_FOR.upper() + "_", ENV_PREFIX).replace(WRITTEN_FOR, SERVICE)


def python_blocks(text: str) -> list[str]:
    """The blocks of Python of a page's text, in order."""
    return PYTHON_BLOCK.findall(text)
