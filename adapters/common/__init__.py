"""What every chat adapter needs and no platform owns: pacing, splitting text, counting
the handlers in flight, re-opening a stale DM channel, checking a request body's shape.

Nothing here imports a platform SDK; each adapter keeps only the hook that ties these to
its SDK (Discord's aiohttp trace, Slack's 429 retry handler). Importing the package
imports nothing else.
"""
