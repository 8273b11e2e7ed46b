"""The request journal as text for a failing test's report: one line per HTTP request or
sync message, oldest first, so it reads as the conversation the client had."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

_PREVIEW = 160


def _preview(text: Any) -> str:
    if not text:
        return ""
    flat = str(text).replace("\n", "\\n")
    return " " + (flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "...")


def describe(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line."""
    sequence = entry.get("sequence")
    if entry.get("kind") == "sync":
        return (f"#{sequence} sync {entry.get('listener')} session {entry.get('session')} {entry.get('direction')} "
                f"{entry.get('messageType')} ({entry.get('size')} bytes){_preview(entry.get('preview'))}")
    query = entry.get("query")
    target = str(entry.get("path")) + ("?" + str(query) if query else "")
    status = entry.get("status")
    answer = "no answer" if status is None else str(status)
    fault = entry.get("fault")
    faulted = f" (fault {fault})" if fault is not None else ""
    return (f"#{sequence} {entry.get('listener')} {entry.get('method')} {target} -> {answer}{faulted}"
            f"{_preview(entry.get('bodyPreview'))}")


def describe_all(newest_first: Sequence[Mapping[str, Any]], *, more: bool) -> str:
    """The entries (as the control API lists them, newest first) oldest first; `more` when
    older entries were left out."""
    if not newest_first:
        return "nothing reached mockconvex since the test's reset"
    lines = [describe(entry) for entry in reversed(newest_first)]
    if more:
        lines.insert(0, "(older entries left out)")
    return "\n".join(lines)
