"""The illustrative dataset: invented progress, challenges, practices (some adapted from
other countries) and capacity activities for the 15 real member countries, loaded through
the real upload path.

Country list and joining dates are facts; every value this module writes is
not, and every page that shows it says so. The invented texts (challenges, practices,
adaptations between countries, capacity activities) are data, in ``texts.toml`` beside
this module; the numbers are drawn here.
"""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from analytics import clock
from analytics.ledger import reads, review, workflow
from analytics.ledger.permissions import DEMO_LOADER, DEMO_REVIEWER
from analytics.reference import MODULES
from analytics.reference import build as build_reference
from analytics.sheets.workbook import frames_to_workbook
from analytics.store.protocol import Store

SEED = 2015
ENGLISH = {"GUY", "LCA", "TTO"}
QUARTERLY = {"PER": ("Q1", "Q2"), "MEX": ("Q1",), "GUY": ("Q1", "Q2")}
CORRECTED = {"GTM", "ECU", "HND", "URY"}

TEXTS = tomllib.loads(Path(__file__).with_name("texts.toml").read_text(encoding="utf-8"))
Activity = tuple[str, str, str]  # module, name in Spanish, name in English


def _activity(entry: dict[str, str]) -> Activity:
    return (entry["module"], entry["es"], entry["en"])


# Category → (Spanish, English) descriptions.
CHALLENGES: dict[str, tuple[tuple[str, str], ...]] = {
    category: tuple((item["es"], item["en"]) for item in items)
    for category, items in TEXTS["challenges"].items()
}
# (module, Spanish title, English title, Spanish description, English description).
PRACTICES: tuple[tuple[str, str, str, str, str], ...] = tuple(
    (p["module"], p["title"]["es"], p["title"]["en"], p["description"]["es"], p["description"]["en"])
    for p in TEXTS["practices"]
)
# Illustrative adaptations between countries: (adopting country, the practice's Spanish title,
# the countries it was adapted from). Each source reports its practice first (the first practice
# it reports), and has no other practice in that module, so its card can tell who adapted it.
ADOPTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (a["country"], a["practice"], tuple(a["from"])) for a in TEXTS["adoptions"]
)
ADOPTED = {(adopter, title): sources for adopter, title, sources in ADOPTIONS}
SOURCES = {(source, title) for _, title, sources in ADOPTIONS for source in sources}

# Capacity activities.
VIRTUAL_COURSE = _activity(TEXTS["activities"]["virtual_course"])
VIRTUAL_COURSE_FROM = 2019  # set up by the community and the Spotlight Initiative (milestones.csv)
REGIONAL_MEETING = _activity(TEXTS["activities"]["regional_meeting"])
REGIONAL_MEETING_YEARS = (2019, 2022, 2024)
WORKSHOPS = tuple(_activity(a) for a in TEXTS["activities"]["workshops"])
ASSISTANCE = tuple(_activity(a) for a in TEXTS["activities"]["technical_assistance"])
EXCHANGE = TEXTS["activities"]["exchange"]  # {sources}, {practice} in each language
# Rough size of each country's public services, for plausible numbers of people trained.
SCALE = {
    "MEX": 1.8,
    "ARG": 1.4,
    "PER": 1.4,
    "ECU": 1.1,
    "PAN": 0.7,
    "URY": 0.7,
    "GUY": 0.5,
    "TTO": 0.5,
    "LCA": 0.3,
}
SPLIT_REPORTED = 0.75  # share of rows that give women and men; the rest leave both blank


def _arranged(iso3: str, practices: list[tuple]) -> list[tuple]:
    """The country's practices in the order it reports them (last one first, as ``pop`` takes
    them): a practice others adapt first, then the one it adapts, and no other practice in
    those modules. Takes nothing from the random sequence (the rest of the data stays as it was)."""
    adopted = [p for p in practices if (iso3, p[1]) in ADOPTED]
    own = [p for p in practices if (iso3, p[1]) in SOURCES and p not in adopted]
    taken = {p[0] for p in own + adopted}
    rest = [p for p in practices if p[0] not in taken]
    head = own or rest[:1]
    order = head + adopted + [p for p in rest if p not in head]
    return order[::-1]


def _practice(iso3: str, lang: str, period: str, practice: tuple, rng: random.Random) -> dict:
    mod, t_es, t_en, d_es, d_en = practice
    sources = ADOPTED.get((iso3, t_es), ())
    shared = (iso3, t_es) in SOURCES
    return {
        "country": iso3,
        "period": period,
        "module": mod,
        "title": t_es if lang == "es" else t_en,
        "description": d_es if lang == "es" else d_en,
        "url": f"https://example.org/{iso3.lower()}/{mod.lower()}",
        "adopted_from": ";".join(sources) or None,
        "replicable": "yes" if shared or rng.random() < 0.3 else "no",
    }


def _capacity_profile(iso3: str, joined_year: int, rng: random.Random) -> dict:
    """What stays the same for a country across years: its size, when its staff began the
    virtual course (2019 or 2020 for the earliest members, up to two years later for the
    others), and how many of those who start a course usually finish it."""
    late = joined_year >= VIRTUAL_COURSE_FROM
    return {
        "iso3": iso3,
        "scale": SCALE.get(iso3, 1.0),
        "course_from": VIRTUAL_COURSE_FROM + rng.randint(0, 1) + (rng.randint(0, 2) if late else 0),
        "completion": rng.uniform(0.5, 0.88),
    }


class _Activities:
    """One country-year's capacity rows, drawn from the capacity sequence."""

    def __init__(self, profile: dict, period: str, lang: str, rng: random.Random) -> None:
        self.profile, self.period, self.lang, self.rng = profile, period, lang, rng
        self.rows: list[dict] = []

    def people(self, low: int, high: int, scaled: bool = True) -> int:
        return max(1, round(self.rng.randint(low, high) * (self.profile["scale"] if scaled else 1.0)))

    def add(self, activity: tuple, kind: str, institution: str, total: int) -> None:
        """A row; most give women and men (the rest leave both blank), courses their completions."""
        rng = self.rng
        module, a_es, a_en = activity
        row = {
            "country": self.profile["iso3"],
            "period": self.period,
            "module": module,
            "activity": a_es if self.lang == "es" else a_en,
            "kind": kind,
            "institution_type": institution,
            "participants_total": total,
        }
        if rng.random() < SPLIT_REPORTED:
            women = round(total * rng.uniform(0.55, 0.85))
            row.update(
                participants_women=women, participants_men=max(0, total - women - (rng.random() < 0.1))
            )
        if kind == "COURSE" and rng.random() < 0.9:
            rate = self.profile["completion"] + rng.uniform(-0.08, 0.08)
            row["completed"] = min(total, round(total * rate))
        elif kind == "WORKSHOP" and rng.random() < 0.4:
            row["completed"] = max(0, total - rng.randint(0, 3))
        self.rows.append(row)


def _capacity(
    profile: dict, lang: str, period: str, adopted: dict | None, names: dict, rng: random.Random
) -> pd.DataFrame:
    """One year's capacity activities of a country: the virtual course (from when its staff
    began it), a workshop, technical assistance, the regional meetings, and the exchange
    behind a practice it adapted that year."""
    year = int(period)
    a = _Activities(profile, period, lang, rng)
    if year >= profile["course_from"] and rng.random() < 0.9:
        course = [("GOVERNMENT", 20, 70), ("CSO", 4, 20), ("UNFPA", 1, 4)]
        course += [(inst, 1, 5) for inst in ("UN_AGENCY", "SPECIALIST", "PARTNER") if rng.random() < 0.4]
        for inst, low, high in course:
            a.add(VIRTUAL_COURSE, "COURSE", inst, a.people(low, high))
    if rng.random() < 0.6:
        workshop = WORKSHOPS[rng.randrange(len(WORKSHOPS))]
        a.add(workshop, "WORKSHOP", "GOVERNMENT", a.people(15, 45))
        if rng.random() < 0.5:
            a.add(workshop, "WORKSHOP", "CSO", a.people(3, 12))
    if year >= VIRTUAL_COURSE_FROM and rng.random() < 0.35:
        a.add(
            ASSISTANCE[rng.randrange(len(ASSISTANCE))],
            "TECHNICAL_ASSISTANCE",
            "GOVERNMENT",
            a.people(5, 20, False),
        )
    if year in REGIONAL_MEETING_YEARS and rng.random() < 0.5:
        a.add(REGIONAL_MEETING, "EXCHANGE", "GOVERNMENT", rng.randint(2, 5))
    if adopted is not None:
        who = {lg: ", ".join(names[s][lg] for s in adopted["sources"]) for lg in ("es", "en")}
        visit = (
            adopted["module"],
            *(
                EXCHANGE[lg].format(sources=who[lg], practice=adopted[f"title_{lg}"].lower())
                for lg in ("es", "en")
            ),
        )
        a.add(visit, "EXCHANGE", "GOVERNMENT", rng.randint(4, 10))
        a.add(visit, "EXCHANGE", "UNFPA", rng.randint(1, 2))
    return pd.DataFrame(a.rows)


def _report_date(period_end: date, rng: random.Random) -> datetime:
    return datetime.combine(
        period_end + timedelta(days=rng.randint(30, 75)), time.min, tzinfo=UTC
    ) + timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59))


def generate(today: date, ref_countries: pd.DataFrame) -> list[dict]:
    """Every illustrative file as ``{file_name, tables, committed_at}``, oldest first."""
    rng = random.Random(SEED)
    # Capacity and the practices' new columns draw from a sequence of their own, so the
    # progress, challenges and practices drawn before them stay exactly as they were.
    more = random.Random(SEED + 16)
    names = {r.iso3: {"es": r.name_es, "en": r.name_en} for r in ref_countries.itertuples()}
    last_year = today.year - 1
    files: list[dict] = []
    for c in ref_countries[ref_countries["member"]].itertuples():
        iso3, lang = c.iso3, ("en" if c.iso3 in ENGLISH else "es")
        name = c.name_en if lang == "en" else c.name_es
        stages = {m: rng.choice((0, 1, 1, 2)) for m in MODULES}
        coverage = {m: rng.uniform(2, 12) for m in MODULES}
        staff = {m: rng.randint(10, 80) for m in MODULES}
        practices = list(PRACTICES)
        rng.shuffle(practices)
        practices = _arranged(iso3, practices)
        profile = _capacity_profile(iso3, int(c.joined_year), more)
        periods = [(str(y), date(y, 12, 31)) for y in range(int(c.joined_year), last_year + 1)]
        periods += [
            (f"{today.year}-{q}", date(today.year, 3 * int(q[1]), 30 if q == "Q2" else 31))
            for q in QUARTERLY.get(iso3, ())
            if date(today.year, 3 * int(q[1]), 28) < today
        ]
        for i, (period, end) in enumerate(periods):
            for m in MODULES:
                roll = rng.random()
                if roll < 0.3 + 0.05 * (stages[m] < 2):
                    stages[m] = min(5, stages[m] + 1)
                elif roll < 0.4 and stages[m] > 1:
                    stages[m] -= 1
                coverage[m] = min(100.0, coverage[m] + stages[m] * rng.uniform(1.5, 6))
                staff[m] += rng.randint(5, 60) * max(stages[m], 1)
            progress = pd.DataFrame(
                [
                    {
                        "country": name,
                        "period": period,
                        "module": m,
                        "stage": stages[m],
                        "coverage_pct": round(coverage[m], 1),
                        "trained_staff": staff[m],
                        "notes": "" if rng.random() < 0.7 else TEXTS["notes"][lang],
                    }
                    for m in MODULES
                ]
            )
            chosen = rng.sample(sorted(CHALLENGES), k=rng.randint(2, 4))
            challenges = pd.DataFrame(
                [
                    {
                        "country": iso3,
                        "period": period,
                        "module": rng.choice(MODULES + ("CROSS",)),
                        "category": cat,
                        "severity": rng.choice(("LOW", "MEDIUM", "MEDIUM", "HIGH")),
                        "status": "OPEN"
                        if i == len(periods) - 1
                        else rng.choice(("OPEN", "IN_PROGRESS", "RESOLVED")),
                        "description": rng.choice(CHALLENGES[cat])[0 if lang == "es" else 1],
                    }
                    for cat in chosen
                ]
            )
            tables = {"progress": progress, "challenges": challenges}
            adopted = None
            if i % 3 == 1 and practices:
                practice = practices.pop()
                tables["practices"] = pd.DataFrame([_practice(iso3, lang, period, practice, more)])
                if (iso3, practice[1]) in ADOPTED:
                    adopted = {
                        "module": practice[0],
                        "title_es": practice[1],
                        "title_en": practice[2],
                        "sources": ADOPTED[(iso3, practice[1])],
                    }
            if period.isdigit():
                tables["capacity"] = _capacity(profile, lang, period, adopted, names, more)
            at = _report_date(end, rng)
            if iso3 in CORRECTED and i == len(periods) - 2:
                wrong = progress.copy()
                wrong.loc[0, "stage"] = max(0, int(wrong.loc[0, "stage"]) - 1)
                files.append(
                    {
                        "file_name": f"{iso3}_{period}_avance.xlsx",
                        "tables": {"progress": wrong},
                        "committed_at": at,
                    }
                )
                at = at + timedelta(days=rng.randint(3, 20))
                files.append(
                    {"file_name": f"{iso3}_{period}_corregido.xlsx", "tables": tables, "committed_at": at}
                )
            else:
                files.append({"file_name": f"{iso3}_{period}.xlsx", "tables": tables, "committed_at": at})
    now = datetime.combine(today, time.min, tzinfo=UTC)
    for f in files:
        f["committed_at"] = min(f["committed_at"], now)
    files.sort(key=lambda f: f["committed_at"])
    return files


AWAITING_REVIEW = 2  # the newest illustrative files are left awaiting review, the one before is returned
RETURN_COMMENT = TEXTS["return_comment"]


def load_demo(store: Store, *, today: date | None = None) -> int:
    """Load the illustrative dataset through the real path; return how many files committed.

    Each file is reviewed by the illustrative reviewer soon after it arrives (before the
    next one), except the newest: two await review and the one before them is returned.
    """
    today = today or clock.today()
    con = store.reader()
    ref = build_reference(con)
    files = generate(today, ref.countries)
    committed = 0
    for i, f in enumerate(files):
        data = frames_to_workbook(f["tables"])
        chk = workflow.check(con, data, f["file_name"], principal=DEMO_LOADER, today=today, ref=ref)
        if not chk.ok:
            codes = sorted({x.code for x in chk.findings if x.is_error})
            raise RuntimeError(f"illustrative file {f['file_name']} rejected: {codes}")
        latest = reads.last_update(con)
        at = f["committed_at"] if latest is None or f["committed_at"] >= latest else None
        out = workflow.commit(
            store, chk, principal=DEMO_LOADER, source="demo", committed_at=at, publish=False
        )
        if out.submission_id is None:
            continue
        committed += 1
        arrived = reads.last_update(con)
        following = files[i + 1]["committed_at"] if i + 1 < len(files) else clock.now()
        reviewed = max(
            arrived + timedelta(seconds=1), min(arrived + timedelta(days=2), following - timedelta(minutes=1))
        )
        reviewed = min(reviewed, clock.now())
        left = len(files) - 1 - i
        if left >= AWAITING_REVIEW + 1:
            review.approve(store, [out.submission_id], principal=DEMO_REVIEWER, at=reviewed)
        elif left == AWAITING_REVIEW:
            review.return_(
                store, out.submission_id, principal=DEMO_REVIEWER, comment=RETURN_COMMENT, at=reviewed
            )
    return committed
