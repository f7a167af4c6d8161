"""`make consumer NAME=<name> TOPIC=<topic>`: a consumer of events/ to grow from, with its test.

It writes events/<name>.py, a handler of the TOPIC's messages, and tests/test_<name>.py, then
rewrites asyncapi.json, which lists what it receives. The handler's model has the publisher's
fields where the contract (the service's own asyncapi.json, or CONTRACT=<another service's>)
knows the topic, and `id: int` to fill in where it does not. Its class is named after the
consumer (SendReceiptsMessage), never after the publisher's, so that the two cannot collide.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any

from scripts.project import ScriptError, argument_parser, check_identifier, package_name
from scripts.scaffold import announce, write_new_files
from scripts.spec import EVENTS_SNAPSHOT

LONGEST_NAME = 24
LONGEST_TOPIC = 60  # the lines the topic is written into stay within the line length
TOPIC = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
SCALARS = {"integer": ("int", "1"), "number": ("float", "1.0"), "string": ("str", '"x"')}
SCALARS["boolean"] = ("bool", "True")


def main(argv: list[str] | None = None) -> int:
    """Write the consumer and its test, or say why not and write nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the consumer's module name, such as send_receipts")
    parser.add_argument("--topic", default="", help="the topic it takes, such as refunds.created")
    parser.add_argument(
        "--contract",
        type=Path,
        help=f"the publisher's AsyncAPI document (the service's {EVENTS_SNAPSHOT})",
    )
    arguments = parser.parse_args(argv)
    contract = arguments.contract or arguments.root / EVENTS_SNAPSHOT
    return announce(
        "consumer",
        arguments.root,
        lambda: write_consumer(arguments.root, arguments.name, arguments.topic, contract),
        "Taken from the next start; `make test` runs its test; asyncapi.json lists it.",
    )


def write_consumer(root: Path, name: str, topic: str, contract: Path | None = None) -> list[Path]:
    """Write the consumer, its test module and the new asyncapi.json; give the files written.

    A bad name is refused before anything is written; a failure afterwards removes what was.
    """
    package = package_name(root)
    check_identifier(name, "consumer name", LONGEST_NAME)
    if not TOPIC.fullmatch(topic) or len(topic) > LONGEST_TOPIC:
        raise ScriptError(
            f"{topic!r} is not a topic: give TOPIC=<lowercase words joined by dots>, such as"
            " TOPIC=refunds.created"
        )
    targets = {
        "consumer.py.tmpl": root / package / "events" / f"{name}.py",
        "test_consumer.py.tmpl": root / package / "tests" / f"test_{name}.py",
    }
    known = published_fields(contract, topic) if contract is not None else None
    members, sample = known or (["id: int"], ["id=1"])
    fields = {
        "package": package,
        "name": name,
        "topic": topic,
        "Model": "".join(part.capitalize() for part in name.split("_") if part) + "Message",
        "title": name.replace("_", " ").capitalize(),
        "origin": "copied from the publisher's contract"
        if known
        else "to fill in from the publisher's asyncapi.json",
        "imports": "from typing import Any\n\n" if any("Any" in line for line in members) else "",
        "fields": "\n    ".join(members),
        "sample": ", ".join(sample),
    }
    return write_new_files(root, targets, fields)


def published_fields(contract: Path, topic: str) -> tuple[list[str], list[str]] | None:
    """The members of `topic`'s message in the AsyncAPI document `contract`, as a model's lines.

    With the arguments of a sample instance, for the test; None where the document lacks it.
    """
    try:
        document = json.loads(contract.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    schemas = document.get("components", {}).get("schemas", {})
    sent = [
        schemas.get(message.get("payload", {}).get("$ref", "").rsplit("/", 1)[-1], {})
        for message in document.get("components", {}).get("messages", {}).values()
        if message.get("title") == topic
    ]
    schema = next((each for each in sent if each.get("properties")), None)
    if schema is None:
        return None
    required = set(schema.get("required", []))
    members, sample = [], []
    for member, kind in schema["properties"].items():
        if not member.isidentifier() or keyword.iskeyword(member):
            continue  # a member Python cannot name: the model ignores it
        annotation, value = _annotation(kind)
        if member in required:
            members.append(f"{member}: {annotation}")
            sample.append(f"{member}={value}")
        else:
            optional = annotation if "None" in annotation else f"{annotation} | None"
            members.append(f"{member}: {optional} = None")
    return members, sample


def _annotation(schema: dict[str, Any]) -> tuple[str, str]:
    """The Python type of a JSON schema, and a value of it for a test."""
    if "anyOf" in schema:
        kinds = [_annotation(each) for each in schema["anyOf"]]
        return " | ".join(dict.fromkeys(kind for kind, _ in kinds)), kinds[0][1]
    kind = schema.get("type")
    if kind == "null":
        return "None", "None"
    if kind == "array":
        return f"list[{_annotation(schema.get('items', {}))[0]}]", "[]"
    if kind == "object" and "$ref" not in schema:
        return "dict[str, Any]", "{}"
    return SCALARS.get(str(kind), ("Any", "None"))


if __name__ == "__main__":
    sys.exit(main())
