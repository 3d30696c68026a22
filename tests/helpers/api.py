"""The JSON grading API from the test side."""

from __future__ import annotations

ORACLE = "s3-vpc-ec2-oracle"
GRADE = f"/api/v1/scenarios/{ORACLE}/grade"
