"""Live class sessions: sessions and joining, answers, pacing, the state learners poll, and
what the host sees (dashboard and report). Services take a SQLAlchemy session and never
commit; their errors (webapp.services.classroom.errors) say what went wrong, not a status.
"""
