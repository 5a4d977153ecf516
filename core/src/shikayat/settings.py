"""Every environment variable Shikayat reads, by name."""

from __future__ import annotations

LOG_LEVEL = "SHIKAYAT_LOG_LEVEL"
"""Logging level of the command line and the daemon (default INFO)."""
DISABLED_PLUGINS = "SHIKAYAT_DISABLED_PLUGINS"
"""Comma-separated entry-point names not to load."""
TRACE_HOOKS = "SHIKAYAT_TRACE_HOOKS"
"""``1`` logs every hook call at DEBUG."""
CONFIG = "SHIKAYAT_CONFIG"
"""Default for ``--config``."""
DATABASE_URL = "SHIKAYAT_DB"
"""Default for ``--db``."""
