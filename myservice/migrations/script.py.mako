"""${(message or "a revision")[:1].upper() + (message or "a revision")[1:].rstrip(".")}.

Revision ${up_revision}, ${"after " + (down_revision if isinstance(down_revision, str) else " and ".join(down_revision)) if down_revision else "the first"}.
Written ${create_date.strftime("%Y-%m-%d")} by `make migration` from the tables in data/: read it,
and change it where the difference is not what you meant.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    """Migrate up to this revision."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Migrate back to the revision before."""
    ${downgrades if downgrades else "pass"}
