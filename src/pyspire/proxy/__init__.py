"""Layer-4 proxies that sit in front of every service's replicas.

The app host starts each replica on its own port and puts one listener per service in front, so
clients keep a stable address while replicas come and go. :class:`ProxyHub` owns all of them on a
dedicated thread; :class:`Backend` names a replica; :class:`ProxyBindError` reports a taken port.
"""

from .backend import Backend
from .errors import ProxyBindError
from .hub import ProxyHub
from .stats import ProxyStats

__all__ = ["Backend", "ProxyBindError", "ProxyHub", "ProxyStats"]
