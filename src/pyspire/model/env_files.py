"""Reading dotenv files: the ``.env`` beside apphost.py and the files of ``with_env_file``.

python-dotenv parses them (the format every tool that reads ``.env`` agrees on: ``KEY=value``,
``export KEY=value``, quotes, ``#`` comments, ``${OTHER}`` expanded unless single-quoted). Where
python-dotenv only logs a warning and skips a line it cannot parse, pyspire refuses the file: a
skipped line is a variable the app silently goes without. The error names the file and the line,
never its text (the line may hold a secret).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from pyspire.errors import ConfigurationError
from pyspire.model.annotations import EnvFileAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.resource import Resource


class EnvFileError(ConfigurationError):
    """A dotenv file is missing, unreadable, or has a line that is not ``KEY=value``."""


#: Parsed files by path, with the identity of the version parsed: a replica start reads the file
#: again (so an edit is picked up) but parses it only when it changed — python-dotenv takes ~10 ms
#: for 50 lines with ``${}`` expansion, which 100 replicas would pay 100 times.
_parsed: dict[Path, tuple[tuple[int, int, int], dict[str, str]]] = {}


def read_env_file(path: Path) -> dict[str, str]:
    """The variables ``path`` sets, in file order (a key given without ``=`` sets nothing)."""
    try:
        info = path.stat()
    except OSError:
        info = None
    version = (info.st_ino, info.st_mtime_ns, info.st_size) if info is not None else None
    cached = _parsed.get(path)
    if cached is not None and cached[0] == version:
        return dict(cached[1])
    values = _parse(path)
    if version is not None:
        _parsed[path] = (version, values)
    return dict(values)


def _parse(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values  # imported here: every app host start imports this module
    from dotenv.parser import parse_stream

    try:
        text = path.read_text()
    except FileNotFoundError:
        raise EnvFileError(
            f"{path} does not exist; create it or fix the path (relative paths are relative to the "
            "app host's folder)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise EnvFileError(f"{path} cannot be read ({reason})") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise EnvFileError(
                f"{path}, line {binding.original.line}: not a KEY=value line; fix it (quote a value "
                "with spaces or '#': KEY=\"a b\") or make it a comment with '#'"
            )
    values = dotenv_values(stream=io.StringIO(text), interpolate=True)
    return {key: value for key, value in values.items() if value is not None}


def env_file_problems(resource: Resource) -> Iterator[ModelProblem]:
    """``build()``'s check of the resource's env files: each exists and parses (it is read again
    at every start, so an edit between runs is picked up)."""
    for annotation in resource.annotations_of(EnvFileAnnotation):
        try:
            read_env_file(annotation.path)
        except EnvFileError as exc:
            yield ModelProblem(resource.name, "with_env_file", str(exc), resource.origin_of(annotation))
