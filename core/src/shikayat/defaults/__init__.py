"""Core's built-in hook implementations, registered like any plugin (see ``DEFAULT_PLUGINS``)."""
