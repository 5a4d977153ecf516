"""SQLAlchemy store for Shikayat."""
