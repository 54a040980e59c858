"""A kind an integration would register: Widgets, with a controller that writes their status.

Written against the public extension API only, as an integration must be.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyspire.extensions import (
    NAME_COLUMN,
    Controller,
    ControllerContext,
    FieldError,
    KindSpec,
    Obj,
    ObjectStore,
    TableColumn,
    TeardownPhase,
    forbidden,
    writable_spec_fields,
)

WIDGET = "Widget"
FINALIZER = "tests.pyspire.dev/widget"


class WidgetController(Controller):
    """Marks each Widget Ready with its size; lets a deleted one go (its finalizer)."""

    kinds = (WIDGET,)

    def __init__(self, store: ObjectStore) -> None:
        super().__init__(store)
        self.reconciled: list[str] = []

    async def reconcile(self, name: str) -> None:
        self.reconciled.append(name)
        obj = self.store.find(WIDGET, name)
        if obj is None:
            return
        if obj["metadata"].get("deletionTimestamp"):
            self.store.remove_finalizer(WIDGET, name, FINALIZER)
            return
        size = obj["spec"].get("size")
        if obj["status"].get("size") != size:
            self.store.patch_status(WIDGET, name, {"state": "Ready", "size": size})


_size_is_writable = writable_spec_fields({"size": int})


def validate_widget_update(current: Obj, desired: Obj) -> Iterator[FieldError]:
    """A client may grow a widget, never shrink it."""
    yield from _size_is_writable(current, desired)
    before, after = current["spec"].get("size"), (desired.get("spec") or {}).get("size")
    if isinstance(before, int) and isinstance(after, int) and after < before:
        yield forbidden("spec.size", f"a widget cannot shrink (from {before} to {after}); delete it instead")


def widget_spec(controllers: list[WidgetController] | None = None) -> KindSpec:
    """The Widget kind; each controller made is appended to ``controllers``."""

    def make(context: ControllerContext) -> WidgetController:
        controller = WidgetController(context.store)
        if controllers is not None:
            controllers.append(controller)
        return controller

    return KindSpec(
        kind=WIDGET,
        plural="widgets",
        short_names=("wdg",),
        description="A test widget: its controller marks it Ready with its size.",
        columns=(
            NAME_COLUMN,
            TableColumn("State", ".status.state", "Ready once reconciled"),
            TableColumn("Size", ".status.size", "The size the controller saw", type="integer"),
            TableColumn("Colour", ".spec.colour", "Shown with -o wide", priority=1),
        ),
        controller=make,
        # After the processes and containers, before the services.
        teardown=TeardownPhase.WORKLOADS + 5,
        validate_update=validate_widget_update,
    )


def new_widget(name: str, size: int, colour: str = "blue") -> Obj:
    return {
        "apiVersion": "pyspire.dev/v1",
        "kind": WIDGET,
        "metadata": {"name": name, "finalizers": [FINALIZER]},
        "spec": {"size": size, "colour": colour},
    }
