"""The database: one SQLAlchemy 2 engine (psycopg 3 driver) and the ``orders`` table's model.

The table itself is created by the alembic migration (``migrations/versions``); the model here
only mirrors it. ``pool_pre_ping`` makes a pooled connection that died with a PostgreSQL restart
be replaced instead of failing the next request.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import DateTime, Engine, String, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from orders_api.settings import DATABASE_URL_VARIABLE, required


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "item": self.item,
            "quantity": self.quantity,
            "status": self.status,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "fulfilled_at": self.fulfilled_at.isoformat() if self.fulfilled_at else None,
        }


@cache
def engine() -> Engine:
    """Created on first use, in the process that uses it (RQ's work horse is a fork)."""
    return create_engine(required(DATABASE_URL_VARIABLE), pool_pre_ping=True)


def session() -> Session:
    return Session(engine(), expire_on_commit=False)
