"""The marker base class of every annotation: a leaf module, so anything can import it."""

from __future__ import annotations


class Annotation:
    """Marker base class for everything that can be recorded on a resource."""
