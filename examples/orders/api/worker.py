"""The RQ worker of the orders example: runs ``orders_api.jobs.fulfil_order`` jobs from queue
``orders``, one log line per job (RQ's own "Job OK" lines too).

Started as ``python worker.py`` from this folder, so ``orders_api`` is importable. It waits for
Redis before it starts (the app host does not make it wait for the cache, and RQ's start-up does
not retry); once running, RQ itself retries while Redis is away. A Redis error RQ lets through
(e.g. stopping while Redis is down) ends the worker with one line instead of a traceback.
"""

from __future__ import annotations

import logging
import sys
import time

from orders_api.jobs import queue, redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Worker

RETRY_SECONDS = 0.5

log = logging.getLogger("orders.worker")


def wait_for_redis() -> None:
    said = False
    while True:
        try:
            redis().ping()
            return
        except RedisConnectionError as error:
            if not said:
                log.info("waiting for redis (%s)", error)
                said = True
            time.sleep(RETRY_SECONDS)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
    wait_for_redis()
    try:
        Worker([queue()], connection=redis()).work(with_scheduler=False)
    except RedisConnectionError as error:
        log.error("redis is unavailable (%s): the worker stops", error)
        sys.exit(1)


if __name__ == "__main__":
    main()
