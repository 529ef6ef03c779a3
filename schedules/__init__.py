"""Time: routines, the clock and the delivery outbox (see docs/scheduling.md)."""
