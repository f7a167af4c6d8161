"""`make schedule NAME=<name> CRON="0 3 * * *"` (or EVERY=<seconds>): a scheduled job, with its test.

It writes events/<name>.py, a job fired once per tick of its schedule and its handler, and
tests/test_<name>.py, then rewrites asyncapi.json, which lists the job and when it fires. The
schedule is checked as the service's start would check it, before anything is written.
"""

from __future__ import annotations

import importlib
import sys
from datetime import timedelta
from pathlib import Path

from scripts.project import ScriptError, argument_parser, check_identifier, package_name
from scripts.scaffold import announce, write_new_files

LONGEST_NAME = 24
UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))


def main(argv: list[str] | None = None) -> int:
    """Write the scheduled job and its test, or say why not and write nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the job's module name, such as nightly_report")
    parser.add_argument("--cron", help="five fields, minute hour day month weekday: '0 3 * * *'")
    parser.add_argument("--every", type=int, help="the interval, in seconds, such as 3600")
    parser.add_argument("--zone", default="UTC", help="the time zone of --cron: Europe/Paris")
    arguments = parser.parse_args(argv)
    return announce(
        "schedule",
        arguments.root,
        lambda: write_schedule(
            arguments.root, arguments.name, arguments.cron, arguments.every, arguments.zone
        ),
        "Fired from the next start; `make test` runs its test; asyncapi.json lists it.",
    )


def write_schedule(
    root: Path, name: str, cron: str | None, every: int | None, zone: str = "UTC"
) -> list[Path]:
    """Write the job, its test module and the new asyncapi.json; give the files written."""
    package = package_name(root)
    check_identifier(name, "job name", LONGEST_NAME)
    options = schedule_options(package, cron, every, zone)
    targets = {
        "schedule.py.tmpl": root / package / "events" / f"{name}.py",
        "test_schedule.py.tmpl": root / package / "tests" / f"test_{name}.py",
    }
    fields = {
        "package": package,
        "name": name,
        "Model": "".join(part.capitalize() for part in name.split("_") if part),
        "title": name.replace("_", " ").capitalize(),
        "imports": "from datetime import timedelta\n\n" if every is not None else "",
        "schedule": options,
    }
    return write_new_files(root, targets, fields)


def schedule_options(package: str, cron: str | None, every: int | None, zone: str) -> str:
    """The class options of the schedule, checked by the service's own Schedule."""
    if (cron is None) == (every is None):
        raise ScriptError(
            'give CRON="0 3 * * *" (and ZONE=Europe/Paris) or EVERY=<seconds>: one of the two'
        )
    if every is not None and every < 1:
        raise ScriptError(f"EVERY={every}: a number of seconds, at least 1")
    schedules = importlib.import_module(f"{package}.core.events.schedules")
    interval = timedelta(seconds=every) if every is not None else None
    try:
        schedules.Schedule(cron, interval, zone)
    except ValueError as error:
        raise ScriptError(str(error).replace("cron=", "CRON=").replace("zone=", "ZONE=")) from None
    if every is None:
        return f"cron={cron!r}" + (f", zone={zone!r}" if zone != "UTC" else "")
    unit, size = next((unit, size) for unit, size in UNITS if every % size == 0)
    return f"every=timedelta({unit}={every // size})"


if __name__ == "__main__":
    sys.exit(main())
