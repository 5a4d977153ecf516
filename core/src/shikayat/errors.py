"""The one error taxonomy of Shikayat, grouped by what the caller should do.

::

    ShikayatError
    ├── ConfigError            bad settings; fail at startup, one line per problem
    │   └── PluginLoadError    a plugin could not be imported or registered
    ├── PlatformError          raised by platform plugins
    │   ├── RetryableError     back off and retry (timeouts, connection errors, 5xx)
    │   │   └── RateLimited    retry no earlier than ``retry_after`` seconds from now
    │   ├── SkippableError     log, drop this item, continue
    │   │   ├── UnparseablePayload   a payload the normalizer cannot read (dead letter)
    │   │   └── NotAPost       a stored notification that is no post (inbox row ignored)
    │   │       └── PostRemoved  its author deleted a stored post (its text is tombstoned)
    │   └── FatalError         permanent: never retried, stop this source, alert a human
    │       └── AuthError      bad, expired or revoked credentials
    ├── WebhookRejected        bad signature or token; answer 401, store nothing
    └── StoreError             the database refused or is out of date
        └── SchemaOutdated     migrations are pending (run ``shikayat migrate``)

Plugins map their platform's HTTP errors onto these in one function (see each plugin's
``client.py``) and chain the cause; core's :mod:`shikayat.retry` decides the waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class ShikayatError(Exception):
    """Base of every error Shikayat raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in the configuration: where it is and what is wrong."""

    section: str
    key: str
    problem: str

    def __str__(self) -> str:
        where = f"[{self.section}]" if self.section else "(top level)"
        if self.key:
            where += f" {self.key}"
        return f"{where}: {self.problem}"


class ConfigError(ShikayatError):
    """The configuration is invalid. ``problems`` holds one entry per problem."""

    def __init__(self, problems: list[ConfigProblem] | ConfigProblem | str) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem("", "", problems)]
        elif isinstance(problems, ConfigProblem):
            problems = [problems]
        self.problems: list[ConfigProblem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PluginLoadError(ConfigError):
    """A plugin failed to import or to register; it is reported and skipped."""


class PlatformError(ShikayatError):
    """An error talking to a platform. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RetryableError(PlatformError):
    """Transient: back off and try again."""


class RateLimited(RetryableError):
    """The platform asked us to slow down; retry no earlier than ``retry_after`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int | None = 429,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class SkippableError(PlatformError):
    """This one item cannot be handled; record it and carry on with the rest."""


class UnparseablePayload(SkippableError):
    """The normalizer cannot read a payload. It is kept as a dead letter with this message."""


class NotAPost(SkippableError):
    """A stored payload is a notification, not a post (say, a webhook stub naming a post whose
    text is fetched and stored separately). The normalizer raises it; the inbox row is marked
    ignored with this message and never becomes a complaint or a dead letter."""


class PostRemoved(NotAPost):
    """A stored payload records that a post was deleted on the platform (by its author).

    The normalizer raises it for the removal notice. Core keeps the case but replaces the text
    of the complaint stored under ``external_id`` — and of its edits, stored under keys starting
    with ``edits_prefix`` — by :data:`shikayat.complaint.TOMBSTONE`, sets its ``removed_at``
    and records a ``complaint.removed`` event; a removal that arrives before its post is kept
    and applied when the post is stored. The notice's own inbox row is marked ignored.
    """

    def __init__(self, external_id: str, *, removed_at: datetime | None = None, removed_by: str | None = None,
                 edits_prefix: str | None = None) -> None:
        super().__init__(f"removal of {external_id}" + (f" by {removed_by}" if removed_by else ""))
        self.external_id = external_id
        self.removed_at = removed_at
        """When the platform says it happened (None: when it is recorded)."""
        self.removed_by = removed_by
        """The platform user id that removed it, when the platform says."""
        self.edits_prefix = edits_prefix


class FatalError(PlatformError):
    """Permanent: retrying cannot help (invalid request, policy, duplicate content)."""


class AuthError(FatalError):
    """Credentials are missing, expired or revoked: the channel stops until a human fixes it."""


class WebhookRejected(ShikayatError):
    """A webhook delivery or handshake failed verification; answer 401 and store nothing."""


class StoreError(ShikayatError):
    """The store cannot do what was asked."""


class SchemaOutdated(StoreError):
    """The database schema is older than this version of Shikayat."""
