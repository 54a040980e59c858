"""The run-time outputs resources publish: one future per (resource, output name).

A handler sets an output (:meth:`pyspire.executor.handlers.HandlerContext.set_output`); every
consumer resolving an :class:`pyspire.model.outputs.OutputReference` awaits its future. Setting it
again (a new kubeconfig after a restart) replaces the value for consumers that resolve later.
"""

from __future__ import annotations

import asyncio


class Outputs:
    def __init__(self) -> None:
        self._futures: dict[tuple[str, str], asyncio.Future[str]] = {}

    def future(self, resource: str, name: str) -> asyncio.Future[str]:
        key = (resource, name)
        found = self._futures.get(key)
        if found is None:
            found = self._futures[key] = asyncio.get_running_loop().create_future()
        return found

    def set(self, resource: str, name: str, value: str) -> None:
        future = self.future(resource, name)
        if future.done():
            self._futures[(resource, name)] = future = asyncio.get_running_loop().create_future()
        future.set_result(value)

    def known(self, resource: str) -> dict[str, str]:
        """The outputs ``resource`` has set so far, by name."""
        return {
            name: future.result()
            for (owner, name), future in self._futures.items()
            if owner == resource and future.done()
        }
