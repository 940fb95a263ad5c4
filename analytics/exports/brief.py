"""The one-file HTML brief: the region's charts and tables, readable with no network.

Plotly's JavaScript, the geometry and the base-map topojson plotly.js would fetch
from its CDN are all inlined (``window.PlotlyGeoAssets``), so opening the file
requests nothing. All text from users is escaped; figures are embedded as JSON
with ``</`` escaped so no value can close the script element.
"""

from __future__ import annotations

from html import escape
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from analytics.exports.snapshot import Snapshot
from analytics.figures import charts
from analytics.figures.geo import STATIC_TOPOJSON_PATH
from analytics.figures.maps import map_figure
from analytics.i18n import datetime_text, sort_key, t
from analytics.insights import capacity, challenges, completeness, exchange, practices, progress, status
from analytics.insights.refperiod import reference_year
from analytics.present import summaries, tables
from analytics.present.readable import filters_in_words, readable
from analytics.reference import MODULES, Reference, short_module_names
from analytics.reference import citations as reference_citations
from analytics.sheets.kinds import COUNTRY_SEPARATOR

CSS = """
body{font-family:"Source Sans Pro",Arial,sans-serif;color:#222;max-width:1100px;margin:0 auto;padding:24px;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.2em}h2{border-bottom:2px solid #2a788e;padding-bottom:4px;margin-top:1.6em}
.meta{color:#555;font-size:.95em}.notice{background:#fff3cd;border:1px solid #e0c068;padding:10px 14px;border-radius:6px;margin:12px 0}
.kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{border:1px solid #ccc;border-radius:8px;padding:10px 14px;min-width:200px}
.kpi .v{font-size:1.8em;font-weight:600}.kpi .d{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef4f7}.chart{width:100%;min-height:380px}.summary{font-weight:600}
blockquote{margin:6px 0;padding:6px 12px;border-left:4px solid #2a788e;background:#f6f9fb;white-space:pre-wrap}
.practice{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:8px 0}.small{font-size:.85em;color:#555}
section{page-break-inside:auto}
@media print{section{page-break-before:always}section.first{page-break-before:avoid}.chart{page-break-inside:avoid}
a{color:#222;text-decoration:none}body{padding:0;max-width:none}.notice{border:2px solid #000}}
"""


def _fig_json(fig: go.Figure) -> str:
    return fig.to_json().replace("</", "<\\/")


class _Doc:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []
        self.n = 0

    def t(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def add(self, html: str) -> None:
        self.parts.append(html)

    def text(self, tag: str, text: str, cls: str = "") -> None:
        attr = f' class="{cls}"' if cls else ""
        self.parts.append(f"<{tag}{attr}>{escape(str(text))}</{tag}>")

    def figure(self, fig: go.Figure, summary: str = "") -> None:
        self.n += 1
        if summary:
            self.text("p", summary, "summary")
        fig.update_layout(width=None, autosize=True)
        self.parts.append(
            f'<div class="chart" id="fig{self.n}"></div><script>(function(){{var f={_fig_json(fig)};'
            f'Plotly.newPlot("fig{self.n}",f.data,f.layout,{{"displaylogo":false,"responsive":true}});}})();'
            f"</script>"
        )

    def table(self, df: pd.DataFrame, columns: dict[str, str] | None = None, limit: int = 500) -> None:
        if df.empty:
            self.text("p", self.t("ui.no_data"), "small")
            return
        cols = columns or {c: c for c in df.columns}
        head = "".join(f"<th>{escape(h)}</th>" for h in cols.values())
        body = []
        for d in df.head(limit).to_dict("records"):
            cells = "".join(f"<td>{escape(_fmt(d[c]))}</td>" for c in cols)
            body.append(f"<tr>{cells}</tr>")
        self.parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _fmt(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return str(v)


def _notices(doc: _Doc, snap: Snapshot) -> None:
    """What the reader must know before the numbers: invented values, unpublished ones."""
    if snap.illustrative:
        doc.text("div", doc.t("ui.illustrative_notice"), "notice")
    if snap.includes_unreviewed:
        doc.text("div", doc.t("snapshot.unreviewed_yes"), "notice")


def _exchange_lines(doc: _Doc, practice: Any, adopters: dict, names: dict[str, str]) -> str:
    """A practice's replicable mark, where it was adapted from and who adapted it (small print)."""
    parts = []
    if pd.notna(practice.replicable) and bool(practice.replicable):
        parts.append(doc.t("practices.replicable_badge"))
    sources = practice.adopted_from
    if isinstance(sources, str) and sources:
        listed = ", ".join(names.get(s, s) for s in sources.split(COUNTRY_SEPARATOR))
        parts.append(doc.t("practices.adopted_from", countries=listed))
    by = adopters.get((int(practice.submission_id), int(practice.row_number)), [])
    if by:
        parts.append(
            doc.t("practices.adopted_by", countries=", ".join(f"{names.get(c, c)} ({p})" for c, p in by))
        )
    return f'<div class="small">{escape(" · ".join(parts))}</div>' if parts else ""


def _exchange_section(doc: _Doc, con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> None:
    """Who learned from whom: the flow and its table."""
    lang, f = doc.lang, snap.filters
    doc.add("<section>")
    doc.text("h2", doc.t("exchange.title"))
    doc.text("p", doc.t("exchange.method"), "small")
    edges = exchange.edges(practices.practices(con, as_of=snap.as_of))
    flow = exchange.flows(exchange.within(edges, list(f.countries) or None, f.period_from, f.period_to))
    if flow.empty:
        doc.text("p", exchange.flow_sentence(flow, ref, lang))
    else:
        doc.figure(
            charts.exchange_flow(flow, ref, lang, doc.t("exchange.flow_title")),
            exchange.flow_sentence(flow, ref, lang),
        )
        table = exchange.flows_table(flow, ref, lang)
        doc.table(table, {k: doc.t(f"col.{k}") for k in table.columns})
    doc.add("</section>")


def _capacity_section(doc: _Doc, con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> None:
    """People trained: by country and year, institution type, kind, women and men, the course's reach."""
    lang = doc.lang
    doc.add("<section>")
    doc.text("h2", doc.t("nav.capacity"))
    doc.text("p", doc.t("capacity.intro"), "small")
    cap = snap.filters.apply(capacity.capacity(con, as_of=snap.as_of))
    if cap.empty:
        doc.text("p", doc.t("ui.no_data"))
        doc.add("</section>")
        return

    def table(df: pd.DataFrame) -> None:
        view = tables.labelled_rows(df, ref, lang)
        doc.table(view, {k: doc.t(f"col.{k}") for k in view.columns})

    per = capacity.by_country_year(cap)
    names = {
        i: ref.country_name(i, lang)
        for i in sorted(per["country"].unique(), key=lambda i: sort_key(ref.country_name(i, lang), lang))
    }
    years = {y: str(y) for y in range(int(per["year"].min()), int(per["year"].max()) + 1)}
    doc.figure(
        charts.heatmap(
            per,
            lang=lang,
            x="year",
            y="country",
            value="participants",
            x_labels=years,
            y_labels=names,
            title=doc.t("capacity.trained_title"),
            colorbar=doc.t("capacity.participants_axis"),
        ),
        capacity.trained_sentence(per, ref, lang),
    )
    inst = capacity.by_institution(cap)
    doc.text("h3", doc.t("capacity.institution_title"))
    doc.text("p", capacity.institution_sentence(inst, ref, lang), "summary")
    table(inst)
    kinds = capacity.by_kind(cap)
    doc.text("h3", doc.t("capacity.kind_title"))
    doc.text("p", capacity.kind_sentence(kinds, ref, lang), "summary")
    table(kinds)
    gender = capacity.gender_by_year(cap)
    doc.figure(
        charts.stacked_bars(
            gender,
            lang=lang,
            x="year",
            y="participants",
            series="group",
            series_labels=capacity.gender_labels(lang),
            title=doc.t("capacity.gender_title"),
            x_title=doc.t("chart.year"),
            y_title=doc.t("capacity.participants_axis"),
            colors={"not_reported": charts.NO_DATA_COLOR},
        ),
        capacity.gender_sentence(gender, lang),
    )
    chosen = capacity.virtual_course_names(capacity.course_names(cap))
    members = ref.countries[ref.countries["member"]]
    if snap.filters.countries:
        members = members[members["iso3"].isin(snap.filters.countries)]
    reach = capacity.course_reach(cap, chosen, members)
    doc.text("h3", doc.t("capacity.reach_title"))
    doc.text("p", capacity.reach_sentence(reach, capacity.course_by_year(cap, chosen), lang), "summary")
    table(reach)
    doc.add("</section>")


def render(con: duckdb.DuckDBPyConnection, snap: Snapshot, ref: Reference) -> str:
    """The brief for ``snap`` as one HTML string."""
    lang = snap.lang
    doc = _Doc(lang)
    as_of = snap.as_of
    scope = snap.scope  # published data, or also what awaits review (then said below)
    countries = list(snap.filters.countries) or None
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    mods = short_module_names(lang)
    cats = ref.labels("category", lang)

    doc.add('<section class="first">')
    doc.text("h1", doc.t("brief.title"))
    doc.text(
        "p",
        doc.t(
            "brief.meta",
            version=snap.data_version,
            generated=datetime_text(snap.generated_at, lang),
            filters=filters_in_words(snap.filters, ref, lang, as_of, snap.generated_at.year),
        ),
        "meta",
    )
    _notices(doc, snap)
    ry = reference_year(as_of, snap.filters.period_to)
    kpis = status.kpis(con, ref, as_of=as_of, scope=scope, countries=countries, year=ry.year)
    doc.text("h2", doc.t("brief.kpis"))
    doc.text("p", doc.t("overview.kpi_year", when=ry.at_end(lang), previous=ry.year - 1), "meta")
    doc.add('<div class="kpis">')
    for r in kpis.itertuples():
        delta = "" if r.value is None or r.previous is None else f"{r.value - r.previous:+g}"
        doc.add(
            f'<div class="kpi"><div class="d">{escape(t(f"overview.kpi_{r.kpi}", lang))} ({r.year})</div>'
            f'<div class="v">{escape(_fmt(r.value))}</div>'
            f'<div class="d">{escape(doc.t("brief.vs_previous", delta=delta or "—"))}</div></div>'
        )
    doc.add("</div>")
    doc.text("p", summaries.kpi_sentence(kpis, lang))

    values = status.map_values(
        con, ref, lang=lang, as_of=as_of, scope=scope, countries=countries, year=ry.year
    )
    values["text"] = [f"{n}: {_fmt(v)}" for n, v in zip(values["name"], values["value"])]
    doc.text("h2", doc.t("brief.map"))
    doc.figure(
        map_figure(
            values,
            title=doc.t("chart.map_title", measure=doc.t("overview.average_stage"), when=ry.at_end(lang)),
            colorbar_title=doc.t("chart.stage"),
            no_data_label=doc.t("chart.no_data"),
        ),
        summaries.map_sentence(values, ry.year, lang),
    )
    doc.add("</section>")

    doc.add("<section>")
    doc.text("h2", doc.t("overview.matrix"))
    matrix = status.stage_status(con, as_of=as_of, scope=scope, countries=countries, year=ry.year)
    if matrix.empty:
        doc.text("p", doc.t("ui.no_data"))
    else:
        title = doc.t("chart.matrix_title", when=ry.at_end(lang), previous=ry.year - 1)
        doc.figure(
            charts.stage_matrix(matrix, ref, lang, ry.year, title),
            summaries.matrix_sentence(matrix, ry.year, lang),
        )
        view = readable(matrix.drop(columns=["awaiting"]), ref, lang)
        doc.table(view, {k: k for k in view.columns})
    doc.add("</section>")

    doc.add("<section>")
    doc.text("h2", doc.t("brief.trends"))
    by_mod = progress.average_stage_trend(
        con, ref, by="module", as_of=as_of, scope=scope, countries=countries
    )
    doc.figure(
        charts.lines(
            by_mod,
            x="year",
            y="average_stage",
            series="module",
            labels={m: mods[m] for m in MODULES},
            title=doc.t("brief.by_module"),
            x_title=doc.t("chart.year"),
            y_title=doc.t("col.average_stage"),
        )
    )
    by_coh = progress.average_stage_trend(
        con, ref, by="entry_route", as_of=as_of, scope=scope, countries=countries
    )
    doc.figure(
        charts.lines(
            by_coh,
            x="year",
            y="average_stage",
            series="entry_route",
            labels=ref.labels("entry_route", lang),
            title=doc.t("brief.by_cohort"),
            x_title=doc.t("chart.year"),
            y_title=doc.t("col.average_stage"),
        )
    )
    doc.add("</section>")

    doc.add("<section>")
    doc.text("h2", doc.t("nav.challenges"))
    ch = challenges.challenges(
        con,
        as_of=as_of,
        scope=scope,
        countries=countries,
        year_from=snap.filters.period_from,
        year_to=snap.filters.period_to,
    )
    if ch.empty:
        doc.text("p", doc.t("ui.no_data"))
    else:
        doc.text("p", summaries.challenges_sentence(ch, ref, lang), "summary")
        doc.figure(
            charts.heatmap(
                challenges.challenge_heatmap(ch),
                lang=lang,
                x="module",
                y="category",
                value="count",
                x_labels=mods,
                y_labels=cats,
                title=doc.t("challenges.heatmap_title"),
                colorbar=doc.t("col.count"),
            )
        )
        doc.text("h3", doc.t("challenges.shared_title"))
        shared = challenges.shared_challenges(ch).head(8)
        for r in shared.itertuples():
            doc.add(
                f"<p><strong>{escape(cats.get(r.category, r.category))} · {escape(mods.get(r.module, r.module))}"
                f"</strong> — {escape(doc.t('brief.shared_by', n=r.n_countries, countries=r.countries))}</p>"
            )
            doc.text("blockquote", r.example)
    doc.add("</section>")

    doc.add("<section>")
    doc.text("h2", doc.t("nav.practices"))
    pr = practices.practices(con, as_of=as_of, scope=scope, countries=countries)
    if pr.empty:
        doc.text("p", doc.t("ui.no_data"))
    adopters = exchange.adopters_by_practice(exchange.edges(practices.practices(con, as_of=as_of)))
    for r in pr.head(40).itertuples():
        link = ""
        if isinstance(r.url, str) and r.url.lower().startswith(("http://", "https://")):
            link = f' · <a href="{escape(r.url, quote=True)}" rel="noopener noreferrer">{escape(r.url)}</a>'
        doc.add(
            f'<div class="practice"><strong>{escape(r.title)}</strong><div class="small">'
            f"{escape(names.get(r.country, r.country))} · {escape(mods.get(r.module, r.module))} · "
            f"{escape(r.period)}{link}</div><div>{escape(r.description)}</div>"
            f"{_exchange_lines(doc, r, adopters, names)}</div>"
        )
    doc.add("</section>")

    _exchange_section(doc, con, snap, ref)
    _capacity_section(doc, con, snap, ref)

    doc.add("<section>")
    doc.text("h2", doc.t("nav.completeness"))
    comp = completeness.completeness(
        con,
        ref,
        as_of=as_of,
        scope=scope,
        countries=countries,
        until=snap.filters.period_to or (as_of or snap.generated_at).year,
    )
    doc.figure(charts.completeness(comp, ref, lang, open_year=(as_of or snap.generated_at).year))
    last = completeness.last_reported(con, as_of=as_of, scope=scope)
    if countries:
        last = last[last["country"].isin(countries)]
    doc.table(
        last.assign(
            country=last["country"].map(names),
            last_committed_at=last["last_committed_at"].astype(str).str[:16],
        ),
        {k: t(f"col.{k}", lang) for k in ["country", "last_period", "last_committed_at"]},
    )
    doc.add("</section>")

    doc.add("<section>")
    doc.text("h2", doc.t("brief.methods"))
    stage = ref.vocab[ref.vocab["domain"] == "stage"].sort_values("ord")
    doc.text("p", doc.t("brief.scale_intro"))
    doc.table(
        stage.assign(
            stage=stage["code"], label=stage[f"label_{lang}"], definition=stage[f"description_{lang}"]
        ),
        {"stage": doc.t("col.stage"), "label": doc.t("brief.label"), "definition": doc.t("brief.definition")},
    )
    doc.text("p", doc.t("brief.sdg_definition"))
    doc.text("h3", doc.t("brief.sources"))
    sources = reference_citations().assign(what=lambda d: d["facts"].map(lambda k: doc.t(f"brief.facts_{k}")))
    doc.table(sources, {"what": doc.t("brief.file"), "source": doc.t("col.source")})
    doc.text("p", doc.t("brief.illustrative_method"), "small")
    doc.add("</section>")

    topo = STATIC_TOPOJSON_PATH.read_text(encoding="utf-8").replace("</", "<\\/")
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
        f'font-src data:">'
        f"<title>{escape(doc.t('brief.title'))}</title><style>{CSS}</style>"
        f'<script>window.PlotlyGeoAssets={{"topojson":{{"world_110m":{topo}}}}};</script>'
        f"<script>{get_plotlyjs()}</script></head><body>{''.join(doc.parts)}</body></html>"
    )
