"""``python -m shikayat`` is the ``shikayat`` command."""

from shikayat.cli import main

main()
