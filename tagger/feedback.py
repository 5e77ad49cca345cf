"""Editors' verdicts on suggested tags, kept in SQLite so ``tagger train --feedback`` can learn
from them.

SQLite is the embedded default: one file, no server, and in WAL mode readers never block the
one writer. Every call opens its own short-lived connection, so the store is safe to share
between the threads of a web worker and between worker processes (writers wait on the lock for
up to ``timeout`` seconds instead of failing).

By default only the SHA-256 of a story's text is stored: stories under embargo stay out of the
database. A hash is enough to count verdicts but not to train on; ``keep_text=True`` stores the
text too, and only such rows become training rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tagger.errors import BadInputError, ConfigurationError

VERDICTS = ("accept", "reject", "add")
POSITIVE = ("accept", "add")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'add')),
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'entity')),
    slug TEXT,
    name TEXT,
    label TEXT,
    tag TEXT NOT NULL,
    text_sha256 TEXT,
    text_id TEXT,
    text TEXT,
    model_version TEXT
);
CREATE INDEX IF NOT EXISTS feedback_text ON feedback (text_sha256);
"""


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a text's UTF-8 bytes: how a story is known without keeping it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class FeedbackRows:
    """Feedback as training rows: one per stored text, with its positive and negative topics."""

    texts: list[str] = field(default_factory=list)
    positives: list[list[str]] = field(default_factory=list)
    negatives: list[list[str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    verdicts: int = 0

    def __len__(self) -> int:
        return len(self.texts)


class FeedbackStore:
    """An SQLite file of verdicts (``accept`` | ``reject`` | ``add``) on topic and entity tags."""

    def __init__(self, path: str | Path, keep_text: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.keep_text = keep_text
        self.timeout = timeout
        if self.path.parent and not self.path.parent.is_dir():
            raise ConfigurationError(f"feedback database folder {self.path.parent} does not exist")
        try:
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigurationError(
                f"{self.path} cannot be used as a feedback database: {exc}"
            ) from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection for one call, committed on success and always closed."""
        with closing(sqlite3.connect(self.path, timeout=self.timeout)) as con:
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            with con:
                yield con

    def add(
        self,
        verdict: str,
        tag: dict[str, Any],
        text: str | None = None,
        text_id: str | None = None,
        model_version: str | None = None,
    ) -> dict[str, Any]:
        """Store one verdict. ``tag`` is a topic (``slug``) or an entity (``name`` + ``label``)."""
        if verdict not in VERDICTS:
            raise BadInputError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        if text is None and not text_id:
            raise BadInputError("feedback needs the text or a text_id")
        if tag.get("slug"):
            kind = "topic"
        elif tag.get("name") and tag.get("label"):
            kind = "entity"
        else:
            raise BadInputError("tag needs a 'slug' (topic) or a 'name' and 'label' (entity)")
        digest = text_sha256(text) if text is not None else None
        row = {
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "verdict": verdict,
            "kind": kind,
            "slug": tag.get("slug"),
            "name": tag.get("name"),
            "label": tag.get("label"),
            "tag": json.dumps(tag, ensure_ascii=False, sort_keys=True),
            "text_sha256": digest,
            "text_id": text_id,
            "text": text if self.keep_text else None,
            "model_version": model_version,
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        with self._connect() as con:
            cursor = con.execute(f"INSERT INTO feedback ({columns}) VALUES ({marks})", row)
            row_id = cursor.lastrowid
        return {
            "id": row_id,
            "kind": kind,
            "verdict": verdict,
            "text_sha256": digest,
            "text_id": text_id,
            "text_stored": row["text"] is not None,
        }

    def rows(self) -> list[dict[str, Any]]:
        """Every stored verdict, oldest first, as plain dicts (``tag`` parsed back from JSON)."""
        with self._connect() as con:
            found = con.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [{**dict(r), "tag": json.loads(r["tag"])} for r in found]

    def count(self) -> int:
        """How many verdicts are stored."""
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def training_rows(self, known_topics: set[str] | None = None) -> FeedbackRows:
        """Topic verdicts grouped per stored text: accepted and added topics are positives,
        rejected ones negatives; the latest verdict on a (text, topic) pair wins.

        Verdicts that cannot be trained on are counted in ``skipped``: rows with a hash but no
        text, entity verdicts (the topic model does not learn entities) and topics not in
        ``known_topics``.
        """
        skipped: Counter[str] = Counter()
        latest: dict[str, dict[str, str]] = {}
        texts: dict[str, str] = {}
        rows = self.rows()
        for r in rows:
            if r["kind"] != "topic":
                skipped[
                    "entity verdicts (the topic model learns topics; --entities learns from them)"
                ] += 1
            elif r["text"] is None:
                skipped["text not stored (hash only): cannot be trained on"] += 1
            elif known_topics is not None and r["slug"] not in known_topics:
                skipped["topic not in the model's taxonomy"] += 1
            else:
                digest = r["text_sha256"] or text_sha256(r["text"])
                texts[digest] = r["text"]
                latest.setdefault(digest, {})[r["slug"]] = r["verdict"]
        result = FeedbackRows(skipped=dict(skipped), verdicts=len(rows))
        for digest, verdicts in latest.items():
            result.texts.append(texts[digest])
            result.positives.append(sorted(s for s, v in verdicts.items() if v in POSITIVE))
            result.negatives.append(sorted(s for s, v in verdicts.items() if v == "reject"))
        return result

    def entity_verdicts(self) -> tuple[dict[str, str], dict[str, dict[tuple[str, str], bool]], dict[str, int]]:  # fmt: skip
        """Entity verdicts per stored text: (texts by SHA-256, {(label, name): tagged} by
        SHA-256, skipped by reason); accepted and added are tagged, rejected not; the latest
        verdict on a (text, entity) wins. What ``tagger train --entities --feedback`` learns."""
        skipped: Counter[str] = Counter()
        texts: dict[str, str] = {}
        latest: dict[str, dict[tuple[str, str], bool]] = {}
        for r in self.rows():
            if r["kind"] != "entity":
                continue
            if r["text"] is None:
                skipped["entity verdict, text not stored (hash only)"] += 1
                continue
            digest = r["text_sha256"] or text_sha256(r["text"])
            texts[digest] = r["text"]
            latest.setdefault(digest, {})[(r["label"], r["name"])] = r["verdict"] in POSITIVE
        return texts, latest, dict(skipped)
