"""The order ``pyspire describe`` lists resources in: each child under its parent, indented, and
hidden resources left out unless asked for.

Works on snapshot dicts as the API returns them (a child names its parent among its
``relationships`` with type ``Parent``), so it needs nothing of the app host.
"""

from __future__ import annotations

from typing import Any

PARENT = "Parent"


def parent_name(snapshot: dict[str, Any]) -> str | None:
    """The name of the snapshot's parent, or ``None``."""
    parents = [r["resource"] for r in snapshot.get("relationships") or [] if r.get("type") == PARENT]
    return parents[-1] if parents else None


def resource_tree(snapshots: list[dict[str, Any]], show_hidden: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """``(depth, snapshot)`` in model order, children right after their parent (depth + 1). A
    child whose parent is not listed (hidden, say) is listed at the top level."""
    shown = [s for s in snapshots if show_hidden or not s.get("hidden")]
    names = {s["name"] for s in shown}
    children: dict[str, list[dict[str, Any]]] = {}
    roots: list[dict[str, Any]] = []
    for snapshot in shown:
        parent = parent_name(snapshot)
        if parent is not None and parent in names and parent != snapshot["name"]:
            children.setdefault(parent, []).append(snapshot)
        else:
            roots.append(snapshot)
    ordered: list[tuple[int, dict[str, Any]]] = []
    placed: set[str] = set()

    def place(snapshot: dict[str, Any], depth: int) -> None:
        if snapshot["name"] in placed:
            return
        placed.add(snapshot["name"])
        ordered.append((depth, snapshot))
        for child in children.get(snapshot["name"], []):
            place(child, depth + 1)

    for root in roots:
        place(root, 0)
    for snapshot in shown:  # a parent cycle the model would have refused: listed anyway
        place(snapshot, 0)
    return ordered
