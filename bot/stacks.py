"""Where a process's asyncio tasks are waiting, as text: what a stall's warning shows.

``Task.print_stack`` shows a suspended task's outermost coroutine frame only (the
coroutines it awaits are frames of their own, not linked by ``f_back``), which says
"the tick awaits something" but not what. :func:`task_stack` follows the chain of
awaits (``cr_await``, ``gi_yieldfrom``, ``ag_await``) down to the innermost frame and
names what that one waits on (a future, another task, an event's waiter), so a tick
stuck in ``Recorder.close`` shows that line and the task it waits for.
"""

from __future__ import annotations

import asyncio
import linecache
from types import FrameType
from typing import Any

#: Deeper chains than this are cut (a recursion through ``await`` would loop forever).
MAX_DEPTH = 60


def _frame_of(awaitable: Any) -> FrameType | None:
    for name in ("cr_frame", "gi_frame", "ag_frame"):
        frame = getattr(awaitable, name, None)
        if frame is not None:
            return frame
    return None


def _awaited_by(awaitable: Any) -> Any:
    for name in ("cr_await", "gi_yieldfrom", "ag_await"):
        inner = getattr(awaitable, name, None)
        if inner is not None:
            return inner
    return None


def task_stack(task: asyncio.Task[Any]) -> str:
    """One task, outermost frame first, like a traceback, ending with what it waits on."""
    if task.done():
        return repr(task)
    lines = [f"{task.get_name()}: {task.get_coro()!r}"]
    awaitable: Any = task.get_coro()
    for _ in range(MAX_DEPTH):
        frame = _frame_of(awaitable)
        if frame is None:
            # The innermost await is a future's iterator; the task knows the future.
            waiting = getattr(task, "_fut_waiter", None) or awaitable
            if waiting is not None:
                lines.append(f"  waiting on {waiting!r}"[:500])
            break
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        source = linecache.getline(code.co_filename, frame.f_lineno).strip()
        if source:
            lines.append(f"    {source}")
        awaitable = _awaited_by(awaitable)
    return "\n".join(lines)


def all_task_stacks(loop: asyncio.AbstractEventLoop | None = None) -> str:
    """Every unfinished task of the loop (the running one by default), by name."""
    tasks = sorted(asyncio.all_tasks(loop), key=lambda task: task.get_name())
    return "\n\n".join(task_stack(task) for task in tasks)
