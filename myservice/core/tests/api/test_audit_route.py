"""GET /audit-trail: its own scope, newest first, a page at a time, filtered; hostile queries refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from quart import Quart

from ...app_class import ServiceApp
from ...data.audit_trail import AuditRecord
from ...data.database import transaction
from ..plumbing import create_app

NOON = datetime(2026, 12, 5, 12, tzinfo=UTC)


async def store(*records: tuple[str, str | None, int]) -> None:
    """Records of (resource, subject, seconds after noon), in that order."""
    async with transaction() as session:
        for number, (resource, subject, seconds) in enumerate(records):
            session.add(
                AuditRecord(
                    at=int(NOON.timestamp() * 1000) + seconds * 1000,
                    subject=subject,
                    request_id=f"r{number}",
                    action="updated",
                    resource=resource,
                    resource_id=str(number),
                    changes='{"quantity": [1, 2]}',
                )
            )


async def test_only_callers_granted_the_audit_scope_read_it(
    app: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """No token: 401; another scope: 403; audit:read: 200."""
    client = app.test_client()
    assert (await client.get("/audit-trail")).status_code == 401
    assert (await client.get("/audit-trail", headers=bearer("operator"))).status_code == 403
    assert (await client.get("/audit-trail", headers=bearer("audit:read"))).status_code == 200


async def test_records_come_newest_first_a_page_at_a_time(
    app: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """Five records, pages of two: 4 3, then 2 1, then 0; each with what it recorded."""
    async with app.app_context():
        await store(*(("refunds", "alice", seconds) for seconds in range(5)))
    client, headers = app.test_client(), bearer("audit:read")
    seen: list[list[str]] = []
    query: dict[str, object] = {"limit": 2}
    while True:
        page = await (
            await client.get("/audit-trail", query_string=query, headers=headers)
        ).get_json()
        seen.append([record["resource_id"] for record in page["records"]])
        if page["next"] is None:
            break
        query["before"] = page["next"]
    assert seen == [["4", "3"], ["2", "1"], ["0"]]
    first = await (await client.get("/audit-trail", headers=headers)).get_json()
    assert first["records"][0] == {
        "id": first["records"][0]["id"],
        "at": "2026-12-05T12:00:04Z",
        "subject": "alice",
        "request_id": "r4",
        "action": "updated",
        "resource": "refunds",
        "resource_id": "4",
        "changes": {"quantity": [1, 2]},
    }


async def test_records_are_filtered_by_resource_subject_and_time(
    app: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """Each filter alone, and together."""
    async with app.app_context():
        await store(("refunds", "alice", 0), ("refunds", "bob", 10), ("orders", "alice", 20))
    client, headers = app.test_client(), bearer("audit:read")

    async def ids(**query: str) -> list[str]:
        answer = await client.get("/audit-trail", query_string=query, headers=headers)
        return [record["resource_id"] for record in (await answer.get_json())["records"]]

    assert await ids(resource="refunds") == ["1", "0"]
    assert await ids(subject="alice") == ["2", "0"]
    assert await ids(since="2026-12-05T12:00:10Z") == ["2", "1"]
    assert await ids(until="2026-12-05T12:00:10+00:00") == ["0"]
    assert await ids(resource="refunds", subject="alice", until="2026-12-05T13:00:00Z") == ["0"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"before": "0"},
        {"before": "12-" + "9" * 19},
        {"before": "12-3; DROP TABLE audit_trail"},
        {"resourse": "refunds"},  # a typo would otherwise read the whole trail
        {"since": "2026-12-05T12:00:00"},  # no zone: which noon?
        {"since": "yesterday"},
        {"resource": "x" * 101},
        {"subject": "a\x00b"},
    ],
)
async def test_a_query_out_of_bounds_is_a_422_naming_it(
    app: Quart, bearer: Callable[..., dict[str, str]], query: dict[str, str]
) -> None:
    """Machine-readable, never a 500."""
    answer = await app.test_client().get(
        "/audit-trail", query_string=query, headers=bearer("audit:read")
    )
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"


async def test_it_is_hidden_from_the_services_api_document(app: Quart) -> None:
    """An operators' route, as /log-level: not in openapi.json."""
    document = await (await app.test_client().get("/openapi.json")).get_json()
    assert "/audit-trail" not in document["paths"]


def test_without_a_way_to_check_tokens_there_is_no_such_route() -> None:
    """No identity provider and the development key not allowed: not served, so no refusal."""
    app: ServiceApp = create_app({"AUTH_DEVELOPMENT_KEY": False})
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule == "/audit-trail"]


async def test_its_scope_is_a_setting(
    database_url: str, bearer: Callable[..., dict[str, str]]
) -> None:
    """AUDIT_SCOPE: compliance:read, and audit:read is refused."""
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "AUDIT_SCOPE": "compliance:read"}
    )
    client = app.test_client()
    async with app.test_app():
        statuses = [
            (await client.get("/audit-trail", headers=bearer(scope))).status_code
            for scope in ("audit:read", "compliance:read")
        ]
    assert statuses == [403, 200]


async def test_records_of_one_millisecond_page_by_id(
    app: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """Three records at the same moment, pages of one: each once, newest id first."""
    async with app.app_context():
        await store(*(("refunds", "alice", 0) for _ in range(3)))
    client, headers = app.test_client(), bearer("audit:read")
    seen: list[str] = []
    query = {"limit": "1"}
    for _ in range(4):
        answer = await client.get("/audit-trail", query_string=query, headers=headers)
        page = await answer.get_json()
        seen.extend(record["resource_id"] for record in page["records"])
        if page["next"] is None:
            break
        query["before"] = page["next"]
    assert seen == ["2", "1", "0"]


def test_an_identity_provider_alone_serves_it() -> None:
    """AUTH_JWKS_URL, without the development key: the route is there."""
    provider = {
        "AUTH_JWKS_URL": "https://idp.example/keys",
        "AUTH_ISSUER": "https://idp.example/",
        "AUTH_AUDIENCE": "this-service",
    }
    app = create_app({"AUTH_DEVELOPMENT_KEY": False, **provider})
    assert [rule.rule for rule in app.url_map.iter_rules() if rule.rule == "/audit-trail"]
