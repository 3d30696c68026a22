"""The course's numbered list of common misconceptions, as the editor offers them.

A task's ``misconception`` number tags a card built as a trap for one of these beliefs, so
results can be read per misconception. The numbers are the course's (public, never reused);
each entry is the mistaken belief in a few words, then what is true.
"""

from __future__ import annotations

MISCONCEPTIONS: dict[int, str] = {
    1: "The customer patches the OS or database engine of RDS (AWS does)",
    2: "Patching is all AWS's or all the customer's (it is shared; the EC2 guest OS is "
    "the customer's)",
    3: "AWS sets up security groups because it provides them (the customer does)",
    4: "The customer patches the hypervisor or host under EC2 (AWS does)",
    5: "Awareness and training means training data-centre staff (each side trains its own people)",
    6: "Zone security is shared (it is the customer's alone)",
    7: "IAM is an AWS service, so AWS manages the IAM users (the customer does)",
    8: "S3 data is only encrypted if the customer turns it on (new objects are encrypted by "
    "default; keys and stronger options stay with the customer)",
    9: "Serverless leaves the customer nothing to do (code, libraries, IAM and settings stay "
    "with the customer)",
    10: "RDS takes care of backups, so the customer need not (the customer sets retention and "
    "recovery)",
    11: "Query performance on RDS or Aurora is AWS's job (it is the customer's)",
    12: "RDS Custom is just RDS (OS patching moves to the customer; engine patching is shared)",
    13: "Fargate means AWS handles everything (images, network rules, encryption and task "
    "roles stay with the customer)",
    14: "EKS means AWS manages the worker nodes (only the control plane)",
    15: "Shield Advanced protects everything on its own (only Shield Standard is automatic)",
    16: "AWS decides where data lives (the customer chooses the Region)",
    17: "A task has the same owner whatever the service (patching Oracle is the customer's on "
    "EC2 and AWS's on RDS)",
}


def misconception_choices(current: int | str | None) -> list[tuple[str, str]]:
    """(value, label) pairs for the editor's list; a number not in the list is kept too."""
    choices = [("", "None: not built as a trap")]
    choices += [(str(n), f"{n}. {text}") for n, text in MISCONCEPTIONS.items()]
    if current not in (None, "") and str(current) not in {v for v, _ in choices}:
        choices.append((str(current), f"{current}. (a number not in the course's list)"))
    return choices
