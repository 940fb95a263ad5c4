"""``python -m analytics COMMAND``: the same code the app uses, for scripts and operators."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from . import clock, demo, exports, ledger, periods, permissions, reference, store, workflow
from .errors import EspError
from .findings import Finding, sort_key
from .i18n import LANGUAGES, error_message, finding_message, t
from .snapshot import SUBMISSION_COLUMNS
from .template import template


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
    s.add_argument("--format", required=True, choices=list(exports.FORMATS))
    s.add_argument("--as-of")
    s.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS)
    s.add_argument("--user")
    s.add_argument("-o", "--output", required=True)
    s = sub.add_parser("history", help="list submissions")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("rollback", help="roll a submission back")
    s.add_argument("id", type=int)
    s.add_argument("--user")
    s.add_argument("--reason", default="command line")
    return p


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
    for f in sorted(findings, key=sort_key):
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
        msg = error_message(e, lang)
        if getattr(args, "json", False):
            print(json.dumps({"status": "error", "code": e.code, "message": msg}, ensure_ascii=False))
        else:
            sys.stderr.write(msg + "\n")
        return 1


def _dispatch(args: argparse.Namespace, lang: str) -> int:
    cmd = args.command
    if cmd == "template":
        p = periods.parse(args.period)
        if p is None:
            _bad(f"--period: not a period (YYYY, YYYY-S1, YYYY-Q1): {args.period!r}")
    if cmd in ("check", "load"):
        data = _read(args.file)
    st = store.open_store()
    try:
        reference.ensure_loaded(st)
        con = st.reader()
        if cmd == "init":
            return _init(st, args.demo, lang)
        if cmd == "check":
            principal = _principal(args.user, lang) if args.user else None
            chk = workflow.check(con, data, Path(args.file).name, principal=principal)
            _emit_findings(chk.findings, args.json, lang)
            return 0 if chk.ok else 1
        if cmd == "load":
            principal = _principal(args.user, lang)
            chk, out = workflow.load(st, data, Path(args.file).name, principal=principal, source="cli")
            return _emit_load(chk, out, args.json, lang)
        if cmd == "template":
            ref = reference.build(con)
            country = ref.code("country", args.country)
            if country is None:
                _bad(f"--country: not a member country: {args.country!r}")
            Path(args.output).write_bytes(template(con, country=country, period=p.code, lang=lang, ref=ref))
            print(args.output)
            return 0
        if cmd == "snapshot":
            as_of = _parse_as_of(args.as_of)
            permissions.require(_principal(args.user, lang), "download")
            _, data = exports.write(con, args.format, as_of=as_of, lang=lang)
            Path(args.output).write_bytes(data)
            print(args.output)
            return 0
        if cmd == "history":
            return _history(con, args.json, lang)
        if cmd == "rollback":
            principal = _principal(args.user, lang)
            version = workflow.rollback(st, args.id, principal=principal, reason=args.reason)
            print(t("cli.rolled_back", lang, id=args.id, version=version))
            return 0
    finally:
        st.close()
    return 2


def _init(st: store.Store, with_demo: bool, lang: str) -> int:
    reference.load(st)
    n = 0
    if with_demo and st.version() == 0:
        n = demo.load_demo(st)
    print(t("cli.init_done", lang, path=store.target(), version=st.version(), demo=n))
    return 0


def _history(con, as_json: bool, lang: str) -> int:
    h = ledger.history(con)[SUBMISSION_COLUMNS]
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


def main() -> None:
    raise SystemExit(run())
