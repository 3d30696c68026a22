"""SQLAlchemy 2.0 typed models, split by area. Import them all so metadata is complete."""

from .attempts import Attempt, AttemptAnswer
from .classroom import (
    ClassDraft,
    ClassSession,
    ClassSessionScenario,
    Participant,
    RosterEntry,
)
from .content import ScenarioRecord, ScenarioVersion
from .limits import RateLimitCounter
from .lti import (
    LtiDeployment,
    LtiIdentity,
    LtiLinkLearner,
    LtiNonce,
    LtiPlatform,
    LtiResourceLink,
)
from .lti_grades import ScoreOutbox
from .practice import PracticePair, PracticePairSet, PracticeReview, PracticeRound
from .users import SetupToken, User

__all__ = [
    "Attempt",
    "AttemptAnswer",
    "ClassDraft",
    "ClassSession",
    "ClassSessionScenario",
    "LtiDeployment",
    "LtiIdentity",
    "LtiLinkLearner",
    "LtiNonce",
    "LtiPlatform",
    "LtiResourceLink",
    "Participant",
    "PracticePair",
    "PracticePairSet",
    "PracticeReview",
    "PracticeRound",
    "RateLimitCounter",
    "RosterEntry",
    "ScoreOutbox",
    "ScenarioRecord",
    "ScenarioVersion",
    "SetupToken",
    "User",
]
