"""`make consumer NAME=<name> TOPIC=<topic>`: a consumer of events/ to grow from, with its test.

It writes events/<name>.py, a handler of the TOPIC's messages with a model to fill in from the
publisher's asyncapi.json, and tests/test_<name>.py. Discovery finds it at start; the next
`make spec` lists what it receives in asyncapi.json.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from string import Template

from scripts.project import (
    ScriptError,
    argument_parser,
    check_identifier,
    format_files,
    package_name,
)

TEMPLATES = Path(__file__).parent / "templates"
LONGEST_NAME = 24
LONGEST_TOPIC = 60  # the lines the topic is written into stay within the line length
TOPIC = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


def main(argv: list[str] | None = None) -> int:
    """Write the consumer and its test, or say why not and write nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the consumer's module name, such as send_receipts")
    parser.add_argument("--topic", default="", help="the topic it takes, such as refunds.created")
    arguments = parser.parse_args(argv)
    try:
        written = write_consumer(arguments.root, arguments.name, arguments.topic)
    except ScriptError as error:
        print(f"make consumer: {error}; nothing written", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(arguments.root)}")
    print("Taken from the next start; `make test` runs its test; `make spec` lists it.")
    return 0


def write_consumer(root: Path, name: str, topic: str) -> list[Path]:
    """Write the consumer and its test module; give the files written."""
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
    for target in targets.values():
        if target.exists():
            raise ScriptError(f"{target.relative_to(root)} exists already")
    fields = {
        "package": package,
        "name": name,
        "topic": topic,
        "Model": "".join(part.capitalize() for part in re.split(r"[._]", topic)),
        "title": name.replace("_", " ").capitalize(),
    }
    for template, target in targets.items():
        text = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(fields)
        target.write_text(text, encoding="utf-8")
    format_files(root, list(targets.values()))
    return list(targets.values())


if __name__ == "__main__":
    sys.exit(main())
