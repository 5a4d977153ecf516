"""X/Twitter platform for Shikayat."""
