"""How a deployment tells what is happening: the one callback type every deploy step reports through."""

from __future__ import annotations

from collections.abc import Callable

#: Called with a service or resource (``""`` for the whole deployment) and what is happening to it;
#: the CLI prints it, a test collects it.
Report = Callable[[str, str], None]
