"""A fork server for the worker processes of the fault and multi-worker tests.

    python -m tests.schedules.zygote

Starting ``python -m tests.schedules.worker`` costs ~1.3 s of CPU before the worker
does anything (SQLAlchemy, the models, pydantic, the content packs), and the fault
tests start some thirty workers. This process pays that once: it imports the worker
and loads the content, then forks one child per request. Each child is still a
separate process with its own pid, its own event loop, engine and connections, and
is killed with a real SIGKILL; only the imports happened before its ``fork``.

The protocol is lines. On stdin, one JSON request per worker:
``{"id": N, "argv": [...], "out": PATH, "err": PATH}`` (the child's stdout and
stderr go to those files). On stdout: ``started N PID`` once forked, and
``exit PID CODE`` once reaped (CODE is ``-SIGNAL`` for a killed child, as
``asyncio.subprocess.Process.returncode`` says it). EOF on stdin ends the server.

Single-threaded on purpose: forking a process that has other threads can copy a
lock held by one of them. Children are reaped from a ``select`` loop woken by
SIGCHLD through ``signal.set_wakeup_fd``.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
import traceback
from typing import Any

from bot.content import load_library
from tests.schedules import worker


def _say(text: str) -> None:
    os.write(1, f"{text}\n".encode())


def _child(request: dict[str, Any], wakeup: tuple[int, int]) -> None:
    """In the forked child: become a plain worker process, then exit with its code."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wakeup:
            os.close(fd)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        for target, fd in (
            (0, os.open(os.devnull, os.O_RDONLY)),
            (1, os.open(request["out"], flags, 0o644)),
            (2, os.open(request["err"], flags, 0o644)),
        ):
            os.dup2(fd, target)
            os.close(fd)
        worker.run(request["argv"])
        code = 0
    except SystemExit as exc:  # argparse's exit 2, for one
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        _say(f"exit {pid} {code}")


def serve() -> None:
    load_library()  # cached: every child finds the content loaded
    gc.freeze()  # what the children share stays out of their collector's reach
    wakeup = os.pipe()
    for fd in wakeup:
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda *_: None)
    pending = b""
    _say("ready")
    while True:
        readable, _, _ = select.select([0, wakeup[0]], [], [])
        if wakeup[0] in readable:
            while True:
                try:
                    if not os.read(wakeup[0], 512):
                        break
                except BlockingIOError:
                    break
            _reap()
        if 0 in readable:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request, wakeup)
                _say(f"started {request['id']} {pid}")


if __name__ == "__main__":
    serve()
