"""``piplvault incidents …`` (PIPL Art. 57) and ``piplvault drills …`` (R-51-5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from piplvault.cli.app import app, emit, err_console
from piplvault.cli.lazy import lazy_module
from piplvault.cli.options import (
    DbOption,
    HomeOption,
    JsonOption,
    UserOption,
    open_vault,
)
from piplvault.cli.render import record, table, value_name, when
from piplvault.i18n import _, is_zh

if TYPE_CHECKING:
    from piplvault.io import tables
    from piplvault.vault import incident_documents, incidents
else:
    incidents = lazy_module("piplvault.vault.incidents")
    incident_documents = lazy_module("piplvault.vault.incident_documents")
    tables = lazy_module("piplvault.io.tables")

incidents_app = typer.Typer(
    help="Security incidents (PIPL Art. 57): open, scope, report, notify, close.",
    no_args_is_help=True,
)
drills_app = typer.Typer(
    help="Emergency-plan drills (PIPL Art. 51(5)): date, scenario, findings.",
    no_args_is_help=True,
)
app.add_typer(incidents_app, name="incidents")
app.add_typer(drills_app, name="drills")

IdArg = Annotated[
    str, typer.Argument(metavar="INCIDENT", help="Incident id, e.g. I-0001")
]
OutDir = Annotated[Path, typer.Option("--out", help="Directory to write into.")]
_Text = Annotated[str | None, typer.Option(show_default=False)]


def _texts(**given: str | None) -> dict[str, str | None]:
    return given


def _clock_line(clock: dict[str, Any]) -> str:
    due = when(clock["due"]) if clock["due"] else _("when handling ends")
    return f"{clock['to']}: {due} — {clock['rule']} [{clock['source']}]"


_STATE_ZH = {"open": "处置中", "closed": "已结案"}


def _state(state: str) -> str:
    return _STATE_ZH.get(state, state) if is_zh() else state


def _say(result: dict[str, Any]) -> None:
    grade = result["grade_zh"] if is_zh() else result["grade"]
    sep = "、" if is_zh() else ", "
    pairs = [
        (_("State"), _state(result["state"])),
        (_("Found at"), when(result["found_at"])),
        (_("Source"), result["source"]),
        (_("Categories"), sep.join(value_name(c) for c in result["categories"])),
        (_("Persons affected"), f"{result['persons']:,}"),
        (_("Grade"), grade),
    ]
    pairs += [(_("Clock"), _clock_line(c)) for c in result["clocks"] if c["applies"]]
    err_console.print(record(f"{result['id']} {result['title']}", pairs))


@incidents_app.command("open")
def open_command(
    title: Annotated[str, typer.Option(help="What happened, in one line.")],
    found_at: Annotated[
        str, typer.Option(help="When it was found (awareness; the clocks start here).")
    ],
    source: Annotated[
        str, typer.Option(help="How it was found: monitoring, staff, customer, police…")
    ],
    categories: Annotated[
        str,
        typer.Option(help="PI categories involved, comma-separated: identity,contact…"),
    ],
    started_at: _Text = None,
    description: _Text = None,
    cause: _Text = None,
    harm: _Text = None,
    remedies: _Text = None,
    advice: _Text = None,
    contact: _Text = None,
    measures: _Text = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record an incident. Example: piplvault incidents open --title "导出文件外泄"
    --found-at 2026-11-30T10:00:00+08:00 --source 员工报告 --categories identity,contact"""
    vault = open_vault(home, db, user)
    result = incidents.open_incident(
        vault,
        title=title,
        found_at=found_at,
        source=source,
        categories=categories,
        started_at=started_at,
        **_texts(
            description=description,
            cause=cause,
            harm=harm,
            remedies=remedies,
            advice=advice,
            contact=contact,
            measures=measures,
        ),
    )
    emit(result, json_out)
    if not json_out:
        _say(result)


@incidents_app.command("update")
def update_command(
    incident_id: IdArg,
    description: _Text = None,
    cause: _Text = None,
    harm: _Text = None,
    remedies: _Text = None,
    advice: _Text = None,
    contact: _Text = None,
    measures: _Text = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add the cause, possible harm, remedies, advice to people, contact or measures.
    Example: piplvault incidents update I-0001 --cause "账号被盗用" """
    vault = open_vault(home, db, user)
    result = incidents.update(
        vault, incident_id,
        **_texts(description=description, cause=cause, harm=harm, remedies=remedies,
                 advice=advice, contact=contact, measures=measures),
    )  # fmt: skip
    emit(result, json_out)
    if not json_out:
        _say(result)


@incidents_app.command("list")
def list_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List incidents with their grade. Example: piplvault incidents list"""
    vault = open_vault(home, db, user)
    rows = incidents.list_incidents(vault)
    if json_out:
        emit(rows, True)
        return
    out = table(
        _("ID"), _("State"), _("Title"), _("Found at"), _("Persons"), _("Grade")
    )
    for r in rows:
        out.add_row(
            r["id"], _state(r["state"]), r["title"], when(r["found_at"]),
            f"{r['persons']:,}", r["grade_zh"] if is_zh() else r["grade"],
        )  # fmt: skip
    err_console.print(out)


@incidents_app.command("show")
def show_command(
    incident_id: IdArg,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show an incident, its grade and the clocks that apply. Example:
    piplvault incidents show I-0001"""
    vault = open_vault(home, db, user)
    result = incidents.show(vault, incident_id)
    emit(result, json_out)
    if not json_out:
        _say(result)


@incidents_app.command("affected")
def affected_command(
    incident_id: IdArg,
    by: Annotated[
        str | None, typer.Option("--by", help="The user whose reads are in scope.")
    ] = None,
    token_id: Annotated[
        str | None,
        typer.Option(
            help="An API token id (pvt_<id>_…): its user's reads in its life."
        ),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Start of the window.")] = None,
    until: Annotated[str | None, typer.Option(help="End of the window.")] = None,
    leaked_file: Annotated[
        Path | None,
        typer.Option(help="A leaked file (CSV/XLSX): its rows matched by blind index."),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Compute who is affected: from the audit log (--by USER or --token-id, --since,
    --until) or a leaked file. Example: piplvault incidents affected I-0001 --by alice
    --since 2026-11-29T00:00:00+08:00 --until 2026-11-30T10:00:00+08:00"""
    vault = open_vault(home, db, user)
    if leaked_file is not None:
        result = incidents.scope_from_file(
            vault, incident_id, tables.open_table(leaked_file)
        )
    else:
        if not since or not until:
            raise typer.BadParameter(_("give --since and --until, or --leaked-file"))
        result = incidents.scope_from_audit(
            vault, incident_id, user=by, token=token_id, since=since, until=until
        )
    emit(result, json_out)
    if not json_out:
        _say(result)


@incidents_app.command("report")
def report_command(
    incident_id: IdArg,
    out: OutDir,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the regulator report (JSON original and HTML; no personal data). Example:
    piplvault incidents report I-0001 --out ./report"""
    vault = open_vault(home, db, user)
    result = incident_documents.report(vault, incident_id, out)
    emit(result, json_out, _("Report written: {path}").format(path=result["html"]))


@incidents_app.command("notices")
def notices_command(
    incident_id: IdArg,
    out: OutDir,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Render one notice per affected person (letters, SMS, e-mail) outside the vault.
    Example: piplvault incidents notices I-0001 --out ./notices"""
    vault = open_vault(home, db, user)
    result = incident_documents.render_notices(vault, incident_id, out)
    emit(
        result,
        json_out,
        _("Notices: {letters} letters, {sms} SMS, {emails} e-mails in {dir}").format(
            letters=result["letters"], sms=result["sms"], emails=result["emails"],
            dir=result["directory"],
        ),
    )  # fmt: skip


@incidents_app.command("close")
def close_command(
    incident_id: IdArg,
    review: Annotated[str, typer.Option(help="The post-incident review.")],
    no_notice_reason: Annotated[
        str | None,
        typer.Option(
            help="Why no person is notified (measures effectively avoid harm)."
        ),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Close with a review (the summary-report clock starts). Example:
    piplvault incidents close I-0001 --review "已重置权限并培训" """
    vault = open_vault(home, db, user)
    result = incidents.close(
        vault, incident_id, review=review, no_notice_reason=no_notice_reason
    )
    emit(result, json_out)
    if not json_out:
        _say(result)


@drills_app.command("add")
def drills_add_command(
    date: Annotated[str, typer.Option("--date", help="The day it was held.")],
    scenario: Annotated[str, typer.Option(help="What was rehearsed.")],
    findings: Annotated[str, typer.Option(help="What was found and what changes.")],
    plan_version: Annotated[
        str, typer.Option(help="Version of the emergency plan drilled.")
    ] = "",
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a drill. Example: piplvault drills add --date 2026-11-20
    --scenario "数据库泄露演练" --findings "通知模板需补充联系方式" """
    vault = open_vault(home, db, user)
    result = incidents.add_drill(
        vault, held_on=date, scenario=scenario, findings=findings,
        plan_version=plan_version,
    )  # fmt: skip
    emit(result, json_out, _("Drill {id} recorded").format(id=result["id"]))


@drills_app.command("list")
def drills_list_command(
    home: HomeOption = None,
    db: DbOption = None,
    user: UserOption = None,
    json_out: JsonOption = False,
) -> None:
    """List drills; warns when none was held in the last 12 months. Example:
    piplvault drills list"""
    vault = open_vault(home, db, user)
    result = incidents.list_drills(vault)
    if json_out:
        emit(result, True)
        return
    out = table(_("ID"), _("Date"), _("Scenario"), _("Findings"))
    for d in result["drills"]:
        out.add_row(str(d["id"]), d["held_on"], d["scenario"], d["findings"])
    err_console.print(out)
    if result["overdue"]:
        err_console.print(
            _("Warning: no drill in the last 12 months ({rule})").format(
                rule=result["rule"]
            ),
            markup=False,
        )
