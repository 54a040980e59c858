"""worker: a background loop that asks orders for the order book every --interval seconds.

Shows arguments (`with_args("--interval", "2")`), a parameter passed through the environment
(GREETING, from `add_parameter("greeting", value="hello")`) and a reference (ORDERS_HTTP).
It keeps going when orders is not reachable yet, and prints one line per round.
"""

import argparse
import json
import os
import time
import urllib.request

ORDERS = os.environ["ORDERS_HTTP"]
GREETING = os.environ.get("GREETING", "hi")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
    interval = parser.parse_args().interval
    print(f"worker started: polling {ORDERS}/orders every {interval}s")
    while True:
        try:
            with urllib.request.urlopen(ORDERS + "/orders", timeout=5) as response:
                answer = json.load(response)
            total = sum(order["total"] for order in answer["orders"])
            replica = answer["catalog_replica"]
            print(f"{GREETING}: {len(answer['orders'])} orders worth {total:.2f} (catalog replica {replica})")
        except OSError as exc:  # URLError and connection errors: try again next round
            print(f"{GREETING}: orders unavailable ({exc})")
        time.sleep(interval)


if __name__ == "__main__":
    main()
