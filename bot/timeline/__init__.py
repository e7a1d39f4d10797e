"""The timeline: meetings with a lifecycle, built from article reports (docs/timeline.md).

Pure functions over frozen records; no I/O, no clock (``now`` is always an argument).

* :mod:`~bot.timeline.model` -- a meeting and its reports, tunables, reading order;
* :mod:`~bot.timeline.assign` -- which meeting a report belongs to, rule by rule, each
  with what a store must load for it;
* :mod:`~bot.timeline.state` -- the current state, one decider per rule;
* :mod:`~bot.timeline.derive` -- the deciders over all reports, with reasons;
* :mod:`~bot.timeline.tally` -- the deciders over running tallies (recording);
* :mod:`~bot.timeline.changes` -- what changed, and which chats it alerts;
* :mod:`~bot.timeline.record` -- recording a report or an article: the one place the
  rules run on new reports;
* :mod:`~bot.timeline.queries` -- the next meeting, the upcoming ones, recent changes.
"""

from bot.timeline.model import DEFAULT_RULES, TimelineRules

__all__ = ["DEFAULT_RULES", "TimelineRules"]
