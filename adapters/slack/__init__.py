"""Mentorbot in Slack: slack-bolt's ``AsyncApp`` in Socket Mode or HTTP mode.

Importing this package loads nothing; ``mentorbot run`` imports ``adapters.slack.app``
only when Slack is configured, so the console and Discord pay nothing for it. See
``docs/slack.md`` for the modes, the scopes and the rate limits.
"""

#: The platform's name in the core's keys (``MemberKey``, ``Actor``, disabled workspaces).
PLATFORM = "slack"
