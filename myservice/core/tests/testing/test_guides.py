"""The guides as the service reads them: the skeleton's name in their examples is the service's."""

from __future__ import annotations

from ...identity import ENV_PREFIX, SERVICE
from ...testing.guides import examples, guide, python_blocks, written_for


def test_the_examples_import_the_service_and_set_its_variables() -> None:
    """After `make rename` too, which leaves docs/ as written: the name and prefix are the service's."""
    [feed] = [block for block in python_blocks(guide("api.md")) if "/feed" in block][:1]
    assert f"from {SERVICE}.core import required_caller, requires" in feed
    assert f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE__URL=" in guide("downstreams.md")


def test_python_blocks_are_taken_in_order_and_nothing_else() -> None:
    """Blocks of other languages and the prose around them are left out."""
    text = "Run:\n\n```\nmake run\n```\n\n```python\nfirst = 1\n```\n\n```python\nsecond = 2\n```\n"
    assert python_blocks(text) == ["first = 1\n", "second = 2\n"]


def test_the_guides_name_is_read_from_them_and_replaced_everywhere() -> None:
    """The name the pages give the package appears in none of them as the service reads them."""
    name = written_for()
    assert name.isidentifier()
    if name != SERVICE:  # a renamed service: its guides still speak of the skeleton's package
        assert name not in guide("api.md")
        assert name.upper() not in guide("settings.md")


def test_a_worked_example_is_the_code_after_the_file_a_page_names() -> None:
    """`views/a.py`, then a colon, then its block; a block no file names is no example."""
    text = "The view, `views/a.py`, says:\n\n```python\na = 1\n```\n\n```python\nb = 2\n```\n"
    assert examples(text) == {"views/a.py": "a = 1\n"}
