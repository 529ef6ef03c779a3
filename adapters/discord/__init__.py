"""Mentorbot on Discord (discord.py 2.x): ``/mentor`` as native sub-commands, check-ins in
DMs with buttons and modals that work after restarts, digests in a server channel, and
an outlet that paces the outbox's fan-out under Discord's global rate limit.

Modules: ``client`` (intents, shards, where it connects), ``commands`` (the ``/mentor``
group built from the core's router, synced only when changed), ``render`` (``Reply`` to
messages, embeds, components and modals within Discord's limits), ``components`` (custom
ids that carry the core's state), ``adapter`` (events in, replies out, within 3 s),
``outlet`` (the outbox's sender), ``pacing`` (the hook that paces every request under
Discord's global limit with ``adapters.common.pacing``), ``state`` (what the adapter
keeps in the database). See docs/discord.md.
Importing this package imports nothing else; ``mentorbot run`` imports the adapter only
when ``DISCORD_TOKEN`` is set.
"""
