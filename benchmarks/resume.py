"""What a fetcher's ``resume`` costs at start, against the same read without the index.

Fills an inbox with N raw posts received over the last 60 days on two Instagram channels, 2% of
them ``mentions`` stubs, half of whose comments are stored; then times what Instagram's resume
does — ``InboxView.posts`` (the channel's stubs of the last 7 days) and ``InboxView.stored`` (which
targets exist) — with the schema at head, and, in the same run, with the
``(platform, channel, received_at)`` index dropped (the baseline). Medians of ``--repeat`` runs;
SQLite always, PostgreSQL when reachable.

    python3 .ci/dev python benchmarks/resume.py --posts 200000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa

from shikayat.complaint import RawPost, utcnow
from shikayat.store import InboxView
from shikayat_instagram.hydrate import stub_mention
from shikayat_storage import SQLStore

PG_ADMIN = os.environ.get("SHIKAYAT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
INDEX = "ix_inbox_platform_channel_received_at"


def _stub(i: int, channel: str) -> RawPost:
    body = {"object": "instagram", "entry": [{"id": "1", "time": 1, "changes": [
        {"field": "mentions", "value": {"media_id": str(10**15 + i), "comment_id": str(10**16 + i)}}]}]}
    return RawPost(platform="instagram", external_id=f"mention:{10**16 + i}", channel=channel,
                   payload=orjson.dumps(body))


def fill(store: SQLStore, n: int) -> None:
    now = utcnow()
    batch: list[RawPost] = []
    for i in range(n):
        channel = "lko_ig" if (i // 7) % 2 else "up_ig"
        at = now - timedelta(seconds=i * 60 * 60 * 24 * 60 // n)
        if i % 50 == 0:
            batch.append(_stub(i, channel).model_copy(update={"received_at": at}))
            if i % 100 == 0:                                       # half the mentions were looked up
                batch.append(RawPost(platform="instagram", external_id=str(10**16 + i), channel=channel,
                                     payload=b"{}", received_at=at))
        else:
            batch.append(RawPost(platform="instagram", external_id=str(10**17 + i), channel=channel,
                                 payload=b'{"comment": {}}', received_at=at))
        if len(batch) >= 5000:
            store.add_raw(batch)
            batch = []
    store.add_raw(batch)


async def resume_once(store: SQLStore) -> tuple[float, int]:
    view = InboxView(store, "instagram", "lko_ig")
    start = time.perf_counter()
    stubs = await view.posts(prefix="mention:", since=utcnow() - timedelta(days=7), limit=5000)
    mentions = [m for m in (stub_mention(s.payload) for s in stubs) if m is not None]
    stored = await view.stored(m.target_key for m in mentions)
    elapsed = time.perf_counter() - start
    return elapsed, len(mentions) - len(stored)


def measure(store: SQLStore, repeat: int) -> tuple[float, int]:
    asyncio.run(resume_once(store))                                  # warm: connections, caches
    runs = [asyncio.run(resume_once(store)) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), runs[0][1]


def bench(url: str, n: int, repeat: int) -> None:
    store = SQLStore(url)
    try:
        store.migrate()
        started = time.perf_counter()
        fill(store, n)
        print(f"  filled {n} posts in {time.perf_counter() - started:.1f} s")
        with store.engine.begin() as con:
            con.execute(sa.text("ANALYZE inbox" if store.dialect == "postgresql" else "ANALYZE"))
        indexed, missing = measure(store, repeat)
        with store.engine.begin() as con:
            con.execute(sa.text(f"DROP INDEX {INDEX}"))
        baseline, missing_again = measure(store, repeat)
        assert missing == missing_again
        print(f"  resume (stubs of 7 days, {missing} to look up): {indexed * 1000:8.1f} ms with the index, "
              f"{baseline * 1000:8.1f} ms without (baseline) — {baseline / indexed:.1f}x")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite:")
        bench(f"sqlite:///{Path(tmp) / 'resume.db'}", args.posts, args.repeat)
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"shikayat_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as con:
            con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL: skipped ({type(exc).__name__})")
        return
    try:
        print("PostgreSQL:")
        bench(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", args.posts, args.repeat)
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
