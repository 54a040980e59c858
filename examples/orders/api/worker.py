"""The RQ worker of the orders example: runs ``orders_api.jobs.fulfil_order`` jobs from queue
``orders``, one log line per job (RQ's own "Job OK" lines too).

Started as ``python worker.py`` from this folder, so ``orders_api`` is importable. When Redis goes
away (the cache container restarted) RQ's loop raises; the worker says so in one line and starts
listening again instead of dying with a traceback, so the jobs queued meanwhile are still run.
"""

from __future__ import annotations

import logging
import time

from orders_api.jobs import queue, redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Worker

RETRY_SECONDS = 1.0

log = logging.getLogger("orders.worker")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    while True:
        try:
            Worker([queue()], connection=redis()).work(with_scheduler=False)
            return  # a clean stop (SIGTERM / SIGINT)
        except RedisConnectionError as error:
            log.warning("redis is unavailable (%s); listening again in %.0f s", error, RETRY_SECONDS)
            time.sleep(RETRY_SECONDS)


if __name__ == "__main__":
    main()
