"""The running bot's status rows: a heartbeat and one row per chat connection.

``bot run`` writes them; ``bot health`` (another process) reads them. A heartbeat older
than a few check periods means the bot is not running (or is stuck).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.engine import Database
from bot.store.schema import runtime_status

HEARTBEAT = "heartbeat"


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    ok: bool
    detail: str
    updated_at: datetime


class StatusStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def report(self, component: str, ok: bool, detail: str, now: datetime) -> None:
        values = {"ok": ok, "detail": detail, "updated_at": now}

        async def work(conn: AsyncConnection) -> None:
            res = await conn.execute(
                update(runtime_status)
                .where(runtime_status.c.component == component)
                .values(**values)
            )
            if not res.rowcount:
                await conn.execute(insert(runtime_status).values(component=component, **values))

        await self.db.write(work)

    async def all(self) -> dict[str, ComponentStatus]:
        async def work(conn: AsyncConnection) -> dict[str, ComponentStatus]:
            rows = (await conn.execute(select(runtime_status))).mappings().all()
            return {
                r["component"]: ComponentStatus(
                    r["component"], bool(r["ok"]), r["detail"], r["updated_at"]
                )
                for r in rows
            }

        return await self.db.read(work)
