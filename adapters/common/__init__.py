"""What every chat adapter needs and no platform owns: pacing, splitting text, counting
the handlers in flight, opening a DM once and re-opening a stale one, checking a request
body's shape, and an outlet's jobs: rendering a shared prompt once, sending a delivery's
parts, answering within a budget.

Nothing here imports a platform SDK; each adapter keeps only the hook that ties these to
its SDK (Discord's aiohttp trace, Slack's 429 retry handler). Importing the package
imports nothing else.
"""
