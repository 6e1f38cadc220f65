"""A transfer or deregistration case as a list of steps: what each step is, the law it
answers to, its deadline, and what blocks the current one (from the case's status; no I/O).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from piplvault.i18n import N_


@dataclass(slots=True)
class Step:
    state: str
    title: str
    law: str
    status: str = "todo"  # done | current | todo
    deadline: str | None = None
    #: what stops the case moving on: (message id, values) pairs, translated by the page
    blockers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


TRANSFER = (
    (
        "draft",
        N_("Case opened: recipient, purposes and customers in scope recorded"),
        "《个人信息保护法》第二十二条",
    ),
    (
        "notices-sent",
        N_("Notices sent: every customer told the recipient's name and contact"),
        "《个人信息保护法》第十七条、第二十二条",
    ),
    (
        "objection-window",
        N_("Objection window: customers who object are left out"),
        "《个人信息保护法》第二十二条、第四十七条第一款第二项",
    ),
    (
        "ready",
        N_("Ready: package the data for the recipient's pinned keys"),
        "《个人信息保护法》第二十二条",
    ),
    (
        "handed-over",
        N_("Handed over: the recipient's signed receipt recorded"),
        "《个人信息保护法》第二十二条",
    ),
    (
        "source-destroyed",
        N_("Our copy destroyed, with a destruction certificate"),
        "《个人信息保护法》第四十七条第一款第二项",
    ),
)

DEREGISTRATION = (
    (
        "winding-down",
        N_("Winding down: inventory; what the law keeps and what is destroyed"),
        "《公司法》第二百三十二条；《个人信息保护法》第四十七条",
    ),
    (
        "notices-sent",
        N_("Notices sent naming the custodian of the records kept"),
        "《个人信息保护法》第二十二条",
    ),
    (
        "packaged",
        N_("Custodian package built for the records the law keeps"),
        "《税收征收管理法》第二十四条；《会计档案管理办法》第十四条",
    ),
    (
        "shredded",
        N_("Everything else destroyed, with a destruction certificate"),
        "《个人信息保护法》第四十七条第一款第二项",
    ),
    (
        "sealed",
        N_("Vault sealed; closing report"),
        "《个人信息保护法》第四十七条",
    ),
)


def _mark(template: tuple[tuple[str, str, str], ...], state: str) -> list[Step]:
    steps = [Step(s, title, law) for s, title, law in template]
    states = [s.state for s in steps]
    at = states.index(state) if state in states else -1
    for number, step in enumerate(steps):
        step.status = "done" if number < at else "current" if number == at else "todo"
    return steps


def _current(steps: list[Step]) -> Step | None:
    return next((s for s in steps if s.status == "current"), None)


def transfer_steps(status: dict[str, Any], today: dt.date) -> list[Step]:
    steps = _mark(TRANSFER, str(status["state"]))
    current = _current(steps)
    if current is None:
        return steps
    case_id = status["id"]
    counts = status.get("counts", {})
    notices = counts.get("notices", {})
    included = int(counts.get("included", 0))
    told = int(notices.get("delivered", 0)) + int(notices.get("announced", 0))
    window = status.get("window_ends_on")
    if current.state == "draft":
        current.blockers.append(
            (
                N_("Generate the notices: piplvault transfer notices {id} --out DIR"),
                {"id": case_id},
            )
        )
    if current.state in ("notices-sent", "objection-window"):
        current.deadline = window
        if included > told:
            current.blockers.append(
                (
                    N_("{n} notice(s) not yet delivered or announced"),
                    {"n": included - told},
                )
            )
        if window and dt.date.fromisoformat(window) > today:
            current.blockers.append(
                (N_("The objection window runs until {day}"), {"day": window})
            )
    if current.state == "ready" and not status.get("pinned"):
        current.blockers.append(
            (
                N_(
                    "The recipient's keys are not pinned yet: confirm their fingerprints "
                    "by telephone, then piplvault transfer package {id} --recipient-key …"
                ),
                {"id": case_id},
            )
        )
    if current.state == "handed-over":
        current.blockers.append(
            (
                N_(
                    "Waiting for the recipient's receipt: piplvault transfer complete {id}"
                ),
                {"id": case_id},
            )
        )
    return steps


def deregistration_steps(status: dict[str, Any], today: dt.date) -> list[Step]:
    steps = _mark(DEREGISTRATION, str(status["state"]))
    current = _current(steps)
    if current is None:
        return steps
    split = status.get("split", {})
    unsettled = int(split.get("creditors_unsettled", 0))
    if current.state in ("winding-down", "notices-sent"):
        notice_by = status.get("notice_by")
        current.deadline = notice_by
    if current.state in ("packaged", "shredded") or unsettled:
        current.deadline = current.deadline or status.get("claims_deadline")
    if unsettled:
        current.blockers.append(
            (
                N_("{n} creditor claim(s) not settled (Company Law Art. 235)"),
                {"n": unsettled},
            )
        )
    for blocker in status.get("route_blockers") or []:
        current.blockers.append(("{text}", {"text": str(blocker)}))
    if not status.get("custodian") and current.state == "winding-down":
        current.blockers.append((N_("No custodian named yet"), {}))
    return steps
