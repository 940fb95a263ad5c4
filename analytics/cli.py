"""``python -m analytics COMMAND``: the same code the app uses, for scripts and operators."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from analytics import clock, periods, reference
from analytics.demo import dataset
from analytics.errors import EspError
from analytics.exports import writers
from analytics.exports.snapshot import SUBMISSION_COLUMNS
from analytics.exports.template import template
from analytics.findings import Finding, reading_order
from analytics.i18n import LANGUAGES, error_message, finding_message, t
from analytics.ledger import pending, permissions, reads, review, workflow
from analytics.store import backup, factory, facts
from analytics.store.protocol import Store

CREATING = ("init",)  # the only command that may create a store (SPEC "Stores")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (SPEC)
        sys.stderr.write(f"{self.prog}: {message}\n")
        raise SystemExit(2)


def _bad(reason: str) -> None:
    sys.stderr.write(f"python -m analytics: {reason}\n")
    raise SystemExit(2)


def _parser() -> _Parser:
    p = _Parser(prog="python -m analytics", description=__doc__)
    p.add_argument("--lang", choices=LANGUAGES, default=os.environ.get("ESP_LANG", "es"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("init", help="create or migrate the database, load reference data")
    s.add_argument("--demo", action="store_true", help="also load the illustrative dataset")
    s = sub.add_parser("check", help="validate a file, write nothing")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
    s.add_argument("--user", help="check as this user (their countries)")
    s = sub.add_parser("load", help="validate and commit a file")
    s.add_argument("file")
    s.add_argument("--user")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
    s = sub.add_parser("template", help="write the pre-filled template")
    s.add_argument("--country", required=True)
    s.add_argument("--period", required=True)
    s.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
    s.add_argument("-o", "--output", required=True)
    s = sub.add_parser("snapshot", help="write a snapshot")
    s.add_argument("--format", required=True, choices=list(writers.FORMATS))
    s.add_argument("--as-of")
    s.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
    s.add_argument("--user")
    s.add_argument("--include-unreviewed", action="store_true", help="also submissions awaiting review")
    s.add_argument("-o", "--output", required=True)
    s = sub.add_parser("history", help="list submissions")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("rollback", help="roll a submission back")
    s.add_argument("id", type=int)
    s.add_argument("--user")
    s.add_argument("--reason", default="command line")
    s = sub.add_parser("backup", help="write a consistent, restorable copy of the whole store")
    s.add_argument("output", metavar="OUT")
    s = sub.add_parser("restore", help="load a backup into a new, empty store (either kind)")
    s.add_argument("input", metavar="IN")
    _review_parser(sub)
    return p


def _review_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("review", help="review submissions before publication")
    actions = r.add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    s = actions.add_parser("list", help="submissions with their review state")
    s.add_argument("--status", choices=[reads.SUBMITTED, reads.APPROVED, reads.RETURNED])
    s.add_argument("--country")
    s.add_argument("--json", action="store_true")
    s = actions.add_parser("approve", help="approve submissions awaiting review")
    s.add_argument("ids", type=int, nargs="+", metavar="ID")
    s.add_argument("--comment")
    s.add_argument("--user")
    s = actions.add_parser("return", help="return a submission with a comment")
    s.add_argument("id", type=int)
    s.add_argument("--comment", required=True)
    s.add_argument("--user")


def _principal(email: str | None, lang: str) -> permissions.Principal:
    """From the roles file when there is one; otherwise the local administrator."""
    roles = permissions.load_roles()
    if roles is None:
        if email:
            return permissions.Principal(email.strip().lower(), "admin")
        return permissions.LOCAL_ADMIN
    if not email:
        raise EspError("user_required")
    found = permissions.principal_for(email, roles)
    if found is None:
        raise EspError("unknown_user", user=email)
    return found


def _parse_as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _bad(f"--as-of: not an ISO date or time: {text!r}")
    if len(text) == 10:
        return clock.end_of_day(value.date())
    return clock.utc(value)


def _finding_dict(f: Finding, lang: str) -> dict:
    return {
        "severity": f.severity,
        "sheet": f.sheet,
        "row": f.row,
        "column": f.column,
        "code": f.code,
        "value": f.value,
        "message": finding_message(f, lang),
    }


def _print_findings(findings: list[Finding], lang: str) -> None:
    for f in sorted(findings, key=reading_order):
        where = " ".join(x for x in (f.sheet and f"[{f.sheet}]",) if x)
        print(
            f"{t('cli.' + f.severity, lang)} {where} {finding_message(f, lang)} ({f.code})".replace("  ", " ")
        )


def _read(path: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        _bad(f"no such file: {path}")
    return p.read_bytes()


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang or os.environ.get("ESP_LANG", "es")
    if lang not in LANGUAGES:
        lang = "es"
    try:
        return _dispatch(args, lang)
    except EspError as e:
        return _report(e, args, lang)
    except KeyboardInterrupt:
        sys.stderr.write(t("cli.interrupted", lang) + "\n")
        return 130
    except Exception as e:  # never a traceback for a person; ESP_DEBUG=1 shows it
        if os.environ.get("ESP_DEBUG"):
            raise
        return _report(
            EspError(
                "unexpected", kind=type(e).__name__, detail=str(e).splitlines()[0][:200] if str(e) else ""
            ),
            args,
            lang,
        )


def _report(e: EspError, args: argparse.Namespace, lang: str) -> int:
    msg = error_message(e, lang)
    if getattr(args, "json", False):
        print(json.dumps({"status": "error", "code": e.code, "message": msg}, ensure_ascii=False))
    else:
        sys.stderr.write(msg + "\n")
    return 1


def _dispatch(args: argparse.Namespace, lang: str) -> int:
    _check_arguments(args)
    store = factory.open_store(create=args.command in CREATING)
    try:
        facts.ensure_loaded(store)
        return _COMMANDS[args.command](store, args, lang)
    finally:
        store.close()


def _check_arguments(args: argparse.Namespace) -> None:
    """Bad arguments exit 2 before the store is touched; files are read here."""
    if args.command == "template" and periods.parse(args.period) is None:
        _bad(f"--period: not a period (YYYY, YYYY-S1, YYYY-Q1): {args.period!r}")
    if args.command in ("check", "load"):
        args.data = _read(args.file)
    if args.command == "restore" and not Path(args.input).is_file():
        _bad(f"no such file: {args.input}")
    if args.command == "snapshot":
        args.as_of = _parse_as_of(args.as_of)
    if args.command == "review" and args.review_command == "return" and not args.comment.strip():
        _bad("--comment: returning a submission needs a comment that says what to fix")


def _cmd_init(store: Store, args: argparse.Namespace, lang: str) -> int:
    return _init(store, args.demo, lang)


def _cmd_check(store: Store, args: argparse.Namespace, lang: str) -> int:
    principal = _principal(args.user, lang) if args.user else None
    chk = workflow.check(store.reader(), args.data, Path(args.file).name, principal=principal)
    _emit_findings(chk.findings, args.json, lang)
    return 0 if chk.ok else 1


def _cmd_load(store: Store, args: argparse.Namespace, lang: str) -> int:
    principal = _principal(args.user, lang)
    chk, out = workflow.load(store, args.data, Path(args.file).name, principal=principal, source="cli")
    return _emit_load(chk, out, args.json, lang)


def _cmd_template(store: Store, args: argparse.Namespace, lang: str) -> int:
    con = store.reader()
    ref = reference.build(con)
    country = ref.code("country", args.country)
    if country is None:
        _bad(f"--country: not a member country: {args.country!r}")
    period = periods.parse(args.period).code
    Path(args.output).write_bytes(template(con, country=country, period=period, lang=lang, ref=ref))
    print(args.output)
    return 0


def _cmd_snapshot(store: Store, args: argparse.Namespace, lang: str) -> int:
    principal = _principal(args.user, lang)
    permissions.require(principal, "download")
    if args.include_unreviewed:
        permissions.require(principal, "unreviewed")
    scope = review.scope_for(principal, args.include_unreviewed)
    _, data = writers.write(store.reader(), args.format, as_of=args.as_of, lang=lang, scope=scope)
    Path(args.output).write_bytes(data)
    print(args.output)
    return 0


def _cmd_history(store: Store, args: argparse.Namespace, lang: str) -> int:
    return _history(store.reader(), args.json, lang)


def _cmd_rollback(store: Store, args: argparse.Namespace, lang: str) -> int:
    principal = _principal(args.user, lang)
    version = workflow.rollback(store, args.id, principal=principal, reason=args.reason)
    print(t("cli.rolled_back", lang, id=args.id, version=version))
    return 0


def _cmd_backup(store: Store, args: argparse.Namespace, lang: str) -> int:
    done = backup.write(store, Path(args.output))
    print(
        t(
            "cli.backup_done",
            lang,
            path=done.path,
            tables=done.tables,
            rows=done.rows,
            version=done.data_version,
        )
    )
    return 0


def _cmd_restore(store: Store, args: argparse.Namespace, lang: str) -> int:
    done = backup.restore(store, Path(args.input))
    print(
        t(
            "cli.restore_done",
            lang,
            path=done.path,
            store=factory.describe(),
            tables=done.tables,
            rows=done.rows,
            version=done.data_version,
            at=done.created_at,
        )
    )
    return 0


def _init(store: Store, with_demo: bool, lang: str) -> int:
    facts.load(store)
    n = 0
    if with_demo and store.version() == 0:
        n = dataset.load_demo(store)
    print(t("cli.init_done", lang, path=factory.describe(), version=store.version(), demo=n))
    return 0


def _review(store: Store, args: argparse.Namespace, lang: str) -> int:
    if args.review_command == "list":
        listing = pending.listing(store.reader(), status=args.status, country=args.country)
        if args.json:
            print(
                json.dumps(
                    json.loads(listing.to_json(orient="records", date_format="iso")),
                    ensure_ascii=False,
                    indent=1,
                )
            )
        else:
            print(listing.to_string(index=False) if len(listing) else t("cli.no_submissions", lang))
        return 0
    principal = _principal(args.user, lang)
    if args.review_command == "approve":
        version = review.approve(store, args.ids, principal=principal, comment=args.comment)
        print(t("cli.approved", lang, ids=", ".join(map(str, args.ids)), version=version))
        return 0
    version = review.return_(store, args.id, principal=principal, comment=args.comment)
    print(t("cli.returned", lang, id=args.id, version=version))
    return 0


def _history(con, as_json: bool, lang: str) -> int:
    h = reads.history(con)[SUBMISSION_COLUMNS]
    if as_json:
        records = json.loads(h.to_json(orient="records", date_format="iso"))
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        print(h.to_string(index=False) if len(h) else t("cli.no_submissions", lang))
    return 0


def _emit_findings(findings: list[Finding], as_json: bool, lang: str) -> None:
    if as_json:
        print(json.dumps([_finding_dict(f, lang) for f in findings], ensure_ascii=False, indent=1))
    else:
        _print_findings(findings, lang)
        errors = sum(f.is_error for f in findings)
        print(t("cli.summary", lang, errors=errors, warnings=len(findings) - errors))


def _emit_load(chk: workflow.Check, out: workflow.Outcome | None, as_json: bool, lang: str) -> int:
    if out is None:
        status = "rejected"
    elif out.submission_id is None:
        status = "unchanged"
    else:
        status = "committed"
    if as_json:
        print(
            json.dumps(
                {
                    "status": status,
                    "submission_id": out.submission_id if out else None,
                    "duplicate_of": out.duplicate_of if out else None,
                    "data_version": out.version if out else None,
                    "findings": [_finding_dict(f, lang) for f in chk.findings],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        _print_findings(chk.findings, lang)
        if status == "committed":
            print(t("cli.committed", lang, id=out.submission_id, rows=out.rows, version=out.version))
        elif status == "unchanged" and out.duplicate_of is not None:
            print(t("cli.unchanged", lang, id=out.duplicate_of))
        elif status == "unchanged":
            print(t("cli.changes_nothing", lang))
        else:
            print(t("cli.rejected", lang, errors=sum(f.is_error for f in chk.findings)))
    return 1 if status == "rejected" else 0


_COMMANDS = {
    "init": _cmd_init,
    "check": _cmd_check,
    "load": _cmd_load,
    "template": _cmd_template,
    "snapshot": _cmd_snapshot,
    "history": _cmd_history,
    "review": _review,
    "rollback": _cmd_rollback,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
}


def main() -> None:
    raise SystemExit(run())
