"""The console adapter: talk to Mentorbot in a terminal, or script it through a pipe."""

from adapters.console.adapter import ConsoleAdapter, ConsoleOutlet, local_stamp, render

__all__ = ["ConsoleAdapter", "ConsoleOutlet", "local_stamp", "render"]
