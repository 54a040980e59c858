"""YAML with Helm template actions in it: the templates of a chart are text Helm renders first, so
an action must reach the file unquoted.

The objects are built as plain dicts whose leaves may be :class:`Expr` (an action standing for one
scalar, ``{{ .Values.x | quote }}``) or :class:`Block` (an action producing a YAML block under its
key, ``{{- toYaml .Values.x | nindent 12 }}``). :func:`dump` writes the dict with
``yaml.safe_dump`` (fixed key order, so the bytes are stable) with a placeholder in place of each
action, then puts the actions back where the placeholders are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Expr:
    """A template action that renders to one YAML scalar (quote it yourself when it is text)."""

    action: str


@dataclass(frozen=True)
class Block:
    """A template pipeline that renders to a YAML block: written as ``key:`` then
    ``{{- <pipeline> | nindent <n> }}`` on the next line, ``n`` the key's indent plus two."""

    pipeline: str


def _token(index: int) -> str:
    return f"pyspire-helm-action-{index:05d}"


def dump(document: Any) -> str:
    """``document`` as template text: YAML with the actions in place."""
    actions: list[Expr | Block] = []

    def swap(node: Any) -> Any:
        if isinstance(node, Expr | Block):
            actions.append(node)
            return _token(len(actions) - 1)
        if isinstance(node, dict):
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    text = yaml.safe_dump(swap(document), sort_keys=False, allow_unicode=True, width=1_000)
    for index, action in enumerate(actions):
        token = _token(index)
        if isinstance(action, Expr):
            text = text.replace(token, action.action)
            continue
        pattern = re.compile(rf"^( *)(- )?([^\n]*?): {re.escape(token)}$", re.MULTILINE)

        def block(match: re.Match[str], pipeline: str = action.pipeline) -> str:
            indent = len(match.group(1)) + (2 if match.group(2) else 0)
            return f"{match.group(1)}{match.group(2) or ''}{match.group(3)}:\n{' ' * (indent + 2)}{{{{- {pipeline} | nindent {indent + 2} }}}}"

        text = pattern.sub(block, text)
    return text


def go_string(text: str) -> str:
    """``text`` as a Go template string literal (JSON's escapes are Go's)."""
    return json.dumps(text, ensure_ascii=False)


_TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}")


def literal(text: str) -> str | Expr:
    """Literal text as a template leaf: itself, unless Helm would read ``{{``/``}}`` in it as an
    action; then an action printing it."""
    if _TEMPLATE_SYNTAX.search(text):
        return Expr(f"{{{{ {go_string(text)} | quote }}}}")
    return text
