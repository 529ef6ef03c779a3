"""``async with`` for the things an adapter starts and must close, even half-started."""

from __future__ import annotations

from typing import Self


class Running:
    """``async with x:`` starts ``x`` and closes it on the way out. A start that fails
    part-way closes what it had opened (a session, a socket) before the error goes on,
    so ``close`` must cope with a half-started object."""

    async def start(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
