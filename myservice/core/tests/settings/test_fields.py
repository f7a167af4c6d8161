"""Fields of a mapping setting set one at a time, at any depth, by variables and files."""

from __future__ import annotations

from ....app import SERVICE as DESCRIBED
from ...identity import ENV_PREFIX
from ...settings.fields import FieldOverride, field_path
from ...settings_table import settings_table


def test_a_variable_names_a_field_at_any_depth() -> None:
    """KEY__ENTRY__FIELD__FIELD: the entry and fields lowercase; other variables name none."""
    table = settings_table(DESCRIBED.settings)
    assert field_path(f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE__AUTH__CLIENT_ID", table) == (
        "DOWNSTREAMS",
        ("catalogue", "auth", "client_id"),
    )
    assert field_path(f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE", table) is None
    assert field_path(f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE____URL", table) is None
    assert field_path(f"{ENV_PREFIX}LOG_LEVEL__A__B", table) is None


def test_fields_are_set_over_what_is_there_and_the_rest_kept() -> None:
    """A field replaces its value alone; a path through a value that is no mapping makes one."""
    given = {"catalogue": {"url": "https://c", "auth": "forward"}, "billing": {"url": "https://b"}}
    override = FieldOverride(
        ((("catalogue", "auth", "client_id"), "orders"), (("ledger", "url"), "https://l"))
    )
    assert override.applied_to(given) == {
        "catalogue": {"url": "https://c", "auth": {"client_id": "orders"}},
        "billing": {"url": "https://b"},
        "ledger": {"url": "https://l"},
    }
    assert given["catalogue"]["auth"] == "forward"
    assert override.paths == [("catalogue", "auth", "client_id"), ("ledger", "url")]
