"""Gradings per second of a 30-task scenario on one core (target: at least 50,000/s).

Run: python bench/grader.py [--seconds 3]
Builds a 30-task scenario from the real rule set, varies the answers between calls, and
times grade() in a single thread. Prints the figure; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from webapp.domain import build_scenario, grade, load_rules
from webapp.resources import resource_dir

AREAS_ON_EC2 = [
    "physical-security",
    "hardware",
    "global-infrastructure",
    "host-os-virtualization",
    "customer-data",
    "data-classification",
    "data-residency",
    "iam-access",
    "guest-os-patching",
    "guest-os-selection",
    "application-software",
    "security-groups",
    "network-configuration",
    "db-engine-patching",
    "db-backups",
]


def thirty_task_scenario(rules):
    tasks = []
    for i in range(30):
        area = AREAS_ON_EC2[i % len(AREAS_ON_EC2)]
        tasks.append(
            {"id": f"t{i}", "text": f"Task {i}", "component": "c1" if i % 2 else "c2", "area": area}
        )
    doc = {
        "id": "bench-thirty",
        "title": "Bench",
        "summary": "30 tasks",
        "parties": ["aws", "customer"],
        "components": [
            {"id": "c1", "name": "Server", "service": "ec2"},
            {"id": "c2", "name": "Database", "service": "ec2"},
        ],
        "variants": [
            {"id": "on-ec2", "title": "EC2", "services": {"c2": "ec2"}},
            {"id": "on-rds", "title": "RDS", "services": {"c2": "rds"}},
        ],
        "tasks": tasks,
    }
    # keep only tasks that resolve under both variants (the bench needs a valid scenario)
    doc["tasks"] = [
        t
        for t in tasks
        if all(
            rules.lookup(t["area"], s)
            for s in (("ec2",) if t["component"] == "c1" else ("ec2", "rds"))
        )
    ]
    while len(doc["tasks"]) < 30:
        n = len(doc["tasks"])
        doc["tasks"].append(
            {"id": f"x{n}", "text": f"Task {n}", "component": "c1", "area": AREAS_ON_EC2[n % 8]}
        )
    return build_scenario(doc, rules, "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rules = load_rules(Path(resource_dir("scenarios")) / "rules" / "aws.yaml")
    scenario = thirty_task_scenario(rules)
    assert len(scenario.tasks) == 30
    rng = random.Random(7)
    answer_sets = [
        {t.id: rng.choice(["aws", "customer"]) for t in scenario.tasks if rng.random() > 0.1}
        for _ in range(256)
    ]
    variants = ["on-ec2", "on-rds"]
    for v in variants:  # the first grading of a variant builds its key: not what we time
        grade(scenario, v, rules, {})
    count = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for i in range(1000):
            grade(scenario, variants[i & 1], rules, answer_sets[i & 255])
        count += 1000
    elapsed = time.perf_counter() - start
    print(
        f"{count / elapsed:,.0f} gradings/s of a 30-task scenario on one core "
        f"({count:,} in {elapsed:.2f} s)"
    )


if __name__ == "__main__":
    main()
