"""The files of one publish, held in memory until every one is rendered, then written together.

Writing only after rendering everything is what makes "nothing is written" true when publishing
fails. Each file is written atomically (a temp file, then a rename); ``.env`` is the user's alone
(0600: it is where the secrets will be filled in), the rest 0644.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pyspire.extensions import ConfigurationError, write_atomic


class PublishWriteError(ConfigurationError):
    """A file of the output could not be written (a path that is a file, a full disk)."""


@dataclass(frozen=True)
class ImageBuild:
    """How a service's image is built (absolute paths; a generated Dockerfile is under the output
    folder once written): what ``pyspire deploy`` builds when the published files do not say it
    in a form an engine reads (a Helm chart only comments on it)."""

    context: Path
    dockerfile: Path
    stage: str | None = None


@dataclass
class PublishedFiles:
    """Relative path (with ``/``) → content, which files are private, and notes for the user."""

    contents: dict[str, str] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)
    #: What the user should know about this publish (values kept from an earlier one).
    notes: list[str] = field(default_factory=list)
    #: Service → how its image is built, for the services the target knows are built (not written).
    builds: dict[str, ImageBuild] = field(default_factory=dict)

    def add(self, path: str, text: str, *, private: bool = False) -> None:
        self.contents[path] = text
        if private:
            self.private.add(path)

    def sorted(self) -> PublishedFiles:
        return PublishedFiles(dict(sorted(self.contents.items())), set(self.private), list(self.notes), dict(self.builds))

    def write(self, out_dir: Path) -> list[Path]:
        """Write every file under ``out_dir``; the paths written, in order."""
        written: list[Path] = []
        for relative, text in self.contents.items():
            path = out_dir / relative
            try:
                write_atomic(path, text.encode())
                if relative not in self.private:
                    os.chmod(path, 0o644)
            except OSError as exc:
                done = f"; {len(written)} of {len(self.contents)} files were written before it" if written else ""
                raise PublishWriteError(
                    f"cannot write {path}: {exc.strerror or exc}{done}; choose another output folder with -o"
                ) from None
            written.append(path)
        return written
