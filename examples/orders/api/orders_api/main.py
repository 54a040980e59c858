"""The HTTP API: ``POST /orders``, ``GET /orders``, ``GET /orders/{id}``, ``GET /health``,
``GET /whoami``.

Started by ``uvicorn orders_api.main:app`` (two replicas behind pyspire's proxy in the example).
Handlers are plain ``def``: SQLAlchemy and redis-py are synchronous, and FastAPI runs such handlers
in its thread pool so one slow query does not block the event loop.
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Response
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from orders_api.db import Order, engine, session
from orders_api.jobs import fulfil_order, queue, redis
from orders_api.settings import replica_id

app = FastAPI(title="orders")


class NewOrder(BaseModel):
    item: Annotated[str, Field(min_length=1, max_length=200)]
    quantity: Annotated[int, Field(gt=0)]


@app.post("/orders", status_code=201)
def place_order(new: NewOrder) -> dict[str, object]:
    with session() as db:
        order = Order(item=new.item, quantity=new.quantity, status="pending")
        db.add(order)
        db.commit()
    try:
        queue().enqueue(fulfil_order, order.id)
    except RedisError as error:
        # The row stays "pending": say so instead of pretending the job was queued.
        raise HTTPException(503, f"order {order.id} saved but not queued: {error}") from error
    return {"id": order.id, "status": order.status}


@app.get("/orders")
def list_orders(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict[str, object]]:
    """The latest orders, newest first (what the frontend's page lists)."""
    with session() as db:
        rows = db.scalars(select(Order).order_by(Order.id.desc()).limit(limit))
        return [order.as_json() for order in rows]


@app.get("/orders/{order_id}")
def get_order(order_id: int) -> dict[str, object]:
    with session() as db:
        order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(404, f"no order {order_id}")
    return order.as_json()


@app.get("/health")
def health(response: Response) -> dict[str, str]:
    """200 only when both the database and Redis answer (pyspire's health check and wait_for)."""
    checks: dict[str, str] = {}
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        checks["database"] = f"error: {type(error).__name__}"
    try:
        redis().ping()
        checks["redis"] = "ok"
    except RedisError as error:
        checks["redis"] = f"error: {type(error).__name__}"
    if any(value != "ok" for value in checks.values()):
        response.status_code = 503
    return checks


@app.get("/whoami")
def whoami() -> dict[str, object]:
    return {"replica": replica_id(), "pid": os.getpid()}
