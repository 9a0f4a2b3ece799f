"""`python -m twiliokit` runs the command line."""

from __future__ import annotations

from twiliokit.cli import main

main()
