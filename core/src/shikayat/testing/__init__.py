"""Test support for Shikayat and its plugins (``shikayat.testing.fakes``: an in-memory platform)."""
