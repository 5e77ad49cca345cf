"""Defaults shared by the doors (CLI, service, batch): one place for each."""

from __future__ import annotations

MAX_BODY_BYTES = 1_000_000  # largest HTTP request body the service accepts (413 above it)
MAX_TEXT_CHARS = 1_000_000  # largest text any door tags unless the caller raises it (--max-chars)
DEFAULT_FEEDBACK_DB = "tagger-feedback.sqlite3"  # where `tagger serve` stores editors' verdicts
