"""Test client: with redis-py, SET a key through ``ConnectionStrings__cache`` and GET it back
through ``CACHE_HOST``/``CACHE_PORT``/``CACHE_PASSWORD``; prints what it read, then idles.

``KEY`` / ``VALUE`` name what to write (``VALUE`` empty: only read)."""

import os
import time

import redis

key = os.environ.get("KEY", "greeting")
value = os.environ.get("VALUE", "hello")
by_url = redis.Redis.from_url(os.environ["ConnectionStrings__cache"])
if value:
    by_url.set(key, value)
by_parts = redis.Redis(
    host=os.environ["CACHE_HOST"], port=int(os.environ["CACHE_PORT"]), password=os.environ["CACHE_PASSWORD"]
)
found = by_parts.get(key)
print("read", key, "=", found.decode() if found is not None else None, flush=True)
time.sleep(3600)
