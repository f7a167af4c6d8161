"""The service's description: the app keeps it, and core reaches the service's code through it."""

from __future__ import annotations

import re

from ....app import SERVICE as DESCRIBED
from ....app import create_app as create_service_app
from ...http.service import service_of
from ..imports import read_imports
from ..plumbing import create_app
from ..test_layout import CORE, PACKAGE

# An import of the service's package by a name core builds from its own: what the description
# replaces.
BY_NAME = re.compile(r"import_module\(f?[\"']?\{?SERVICE|sys\.modules\[SERVICE\]")


def test_an_app_keeps_the_description_it_was_built_from() -> None:
    """The service's app.py describes it; the app it builds hands that description on."""
    assert service_of(create_service_app()) is DESCRIBED
    assert service_of(create_app()).migrations == DESCRIBED.migrations


def test_core_imports_nothing_of_the_service_but_what_app_py_hands_it() -> None:
    """No module of core that ships imports the service's package, by name or by a built name.

    The test plugin (testing/) is the exception: it builds the service's app for its fixtures.
    """
    shipped = [
        module
        for module in CORE.rglob("*.py")
        if module.relative_to(CORE).parts[0] not in {"tests", "testing"}
    ]
    assert [str(module) for module in shipped if BY_NAME.search(module.read_text())] == []
    core = f"{PACKAGE.name}.core"
    outside = sorted(
        f"{module} imports {edge.target}"
        for module, edges in read_imports(PACKAGE).modules.items()
        if module.startswith(f"{core}.") and module.split(".")[2] not in {"tests", "testing"}
        for edge in edges
        if not edge.target.startswith(core)
    )
    assert outside == []
