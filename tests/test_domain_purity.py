"""The domain core stays pure: importing it loads neither Flask nor SQLAlchemy."""

import subprocess
import sys


def test_domain_imports_no_flask_or_sqlalchemy():
    code = (
        "import sys, webapp.domain, webapp.domain.grader, webapp.domain.library; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug')); print(bad)"
    )
    # webapp/__init__ imports nothing heavy at module level, so this measures the domain alone
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
