"""Signals the services send, for features that react to learning events.

Receivers run inside the sender's transaction (they get its session): whatever they add is
committed or rolled back with the attempt itself. A receiver must not commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

answers_graded = _signals.signal("answers-graded")
"""Sent once a learner's placements are graded and stored.

Keyword arguments: ``session`` (the SQLAlchemy session, not committed yet), ``report``
(the domain's GradeReport), ``attempt_id``, ``learner_id`` (the learner cookie's id or
None), ``user_id`` (the signed-in account or None), ``participant_id`` (a class
participant or None) and ``settings`` (the scenario's settings).
"""
