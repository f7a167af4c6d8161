"""The problem documents as OpenAPI describes them, and the service's answers fit them."""

from __future__ import annotations

from typing import Any

from quart.typing import TestClientProtocol as Client

from ...api.problem_schemas import PROBLEMS, Problem, ValidationProblem, response_name


async def test_problem_responses_are_problem_documents(spec: dict[str, Any]) -> None:
    """Each shared problem response is application/problem+json; 422's lists the field errors."""
    responses = spec["components"]["responses"]
    assert set(responses) >= {"BadRequest", "NotFound", "MethodNotAllowed", "InternalServerError"}
    for response in responses.values():
        assert list(response["content"]) == ["application/problem+json"]
    schema = responses["UnprocessableContent"]["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ValidationProblem"}
    assert "errors" in spec["components"]["schemas"]["ValidationProblem"]["required"]


def test_every_status_has_a_name_a_meaning_and_a_model() -> None:
    """Each documented status is named as RFC 9110 names it, without spaces."""
    assert response_name(404) == "NotFound"
    assert response_name(422) == "UnprocessableContent"
    for status, (name, description, model) in PROBLEMS.items():
        assert name.isalnum(), status
        assert description.endswith("."), status
        assert issubclass(model, Problem)


async def test_the_answers_are_the_documents_described(client: Client) -> None:
    """A 404 and a 405 the service sends validate against the Problem model they refer to."""
    missing = await client.get("/nowhere")
    assert Problem.model_validate(await missing.get_json()).status == 404
    wrong = await client.delete("/")
    assert Problem.model_validate(await wrong.get_json()).title == "Method Not Allowed"
    assert "errors" in ValidationProblem.model_fields
