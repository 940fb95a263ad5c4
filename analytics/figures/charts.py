"""Figure builders: Plotly figures from the data frames ``queries`` returns.

Every builder takes the user's language and translates its own titles, axes and
legends. Colour is never the only cue: stage numbers are printed, lines carry
markers and legends.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.figures.style import (
    AWAITING_COLOR,
    CATEGORICAL,
    FONT_FAMILY,
    NO_DATA_COLOR,
    STAGE_COLORS,
    STAGE_TEXT_COLORS,
)
from analytics.i18n import number, sort_key, t
from analytics.present.stage_cells import is_awaiting, matrix_cells
from analytics.reference import MODULES, Reference

STEP_NUDGE = 0.07  # stage units between modules drawn at the same stage


# Plotly's decimal and thousands marks for numbers it formats itself (ticks, hovers).
SEPARATORS = {"es": ",.", "en": ".,"}


def _layout(fig: go.Figure, title: str, lang: str | None = None, **kw: Any) -> go.Figure:
    if lang is not None:
        kw.setdefault("separators", SEPARATORS.get(lang, ".,"))
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT_FAMILY},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        # At the foot of the figure: under the plot it ran into the x-axis title,
        # above it wrapped legends ran into the chart title, and beside it a long
        # legend squeezed half-width charts to nothing.
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "xanchor": "left",
            "x": 0,
        },
        **kw,
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _year_axis(fig: go.Figure, years: list[int], open_year: int | None, lang: str) -> None:
    """A year on every tick; the year under way says so ("2026 (en curso)")."""
    years = sorted({int(y) for y in years})
    if not years:
        return
    text = [
        f"{y}<br>({t('refperiod.under_way_short', lang)})"
        if open_year is not None and y >= open_year
        else str(y)
        for y in years
    ]
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=text)


# What awaits review is outlined (cells) or ringed (points) in near-black, dotted, and
# hatched (bars): never colour alone, and named in the legend.
AWAITING_OUTLINE = {"color": AWAITING_COLOR, "width": 3, "dash": "dot"}
AWAITING_UNDERLINE = {"color": "#ffffff", "width": 5}


def _awaiting(df: pd.DataFrame) -> pd.Series:
    """Which rows come from submissions awaiting review (none when the column is absent)."""
    if "awaiting" not in df:
        return pd.Series(False, index=df.index, dtype=bool)
    return df["awaiting"].fillna(False).astype(bool)


def _awaiting_legend(fig: go.Figure, lang: str, symbol: str = "square-open") -> None:
    """A legend entry that names the mark (the trace draws nothing itself)."""
    fig.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"symbol": symbol, "size": 14, "color": AWAITING_COLOR, "line": {"width": 2.5}},
        name=t("chart.awaiting", lang),
        hoverinfo="skip",
        showlegend=True,
    )


def _outline_cells(fig: go.Figure, cells: list[tuple[int, int]], lang: str) -> None:
    """A dotted outline around each (column, row) cell of a categorical grid."""
    if not cells:
        return
    # A white line under the dotted one keeps the outline visible on the darkest fills.
    fig.update_layout(
        shapes=[*fig.layout.shapes]
        + [
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": x - 0.45,
                "x1": x + 0.45,
                "y0": y - 0.45,
                "y1": y + 0.45,
                "line": line,
                "fillcolor": "rgba(0,0,0,0)",
                "layer": "above",
            }
            for x, y in cells
            for line in (AWAITING_UNDERLINE, AWAITING_OUTLINE)
        ]
    )
    _awaiting_legend(fig, lang)


def _ring_points(fig: go.Figure, x: pd.Series, y: pd.Series, lang: str, *, legend: bool) -> None:
    """An open ring around each point awaiting review."""
    fig.add_scatter(
        x=x,
        y=y,
        mode="markers",
        marker={"symbol": "circle-open", "size": 20, "color": AWAITING_COLOR, "line": {"width": 2.5}},
        name=t("chart.awaiting", lang),
        legendgroup="awaiting",
        showlegend=legend,
        hoverinfo="skip",
    )


def _paler(colour: str, white: float = 0.55) -> str:
    """``colour`` (#rrggbb) seen through a veil of ``white`` (0–1)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in rgb)


def stage_matrix(matrix: pd.DataFrame, ref: Reference, lang: str, year: int, title: str) -> go.Figure:
    """Country × module heatmap of the stage at the end of ``year`` (``queries.stage_status``):
    stage colour, the number printed, an arrow for the change since the year before; a value
    carried forward from an earlier year is drawn paler and names its year."""
    cells = matrix_cells(matrix, ref, lang, year)
    stage_labels = ref.labels("stage", lang)
    countries = list(dict.fromkeys(cells["country"]))[::-1]  # the first name at the top
    n_mod = len(MODULES)
    grid = {(r.country, r.module): r for r in cells.itertuples()}
    rows = [[grid[(c, m)] for m in MODULES] for c in countries]
    z = [[None if pd.isna(r.stage) else int(r.stage) for r in row] for row in rows]
    veiled = {(xi, yi) for yi, row in enumerate(rows) for xi, r in enumerate(row) if pd.notna(r.carried_from)}
    marked = [(xi, yi) for yi, row in enumerate(rows) for xi, r in enumerate(row) if r.awaiting]
    hover = [[r.hover for r in row] for row in rows]
    text = [
        [r.label + (f"<br><span style='font-size:10px'>{r.carried_from}</span>" if pd.notna(r.carried_from) else "")
         for r in row]
        for row in rows
    ]  # fmt: skip
    n = len(STAGE_COLORS)
    scale = [[edge / n, col] for i, col in enumerate(STAGE_COLORS) for edge in (i, i + 1)]
    pale_scale = [[edge / n, _paler(col)] for i, col in enumerate(STAGE_COLORS) for edge in (i, i + 1)]
    x_labels = [rows[0][xi].module_label for xi in range(n_mod)] if rows else []
    y_labels = [row[0].name for row in rows]
    fig = go.Figure(
        go.Heatmap(
            z=[[None if (xi, yi) in veiled else v for xi, v in enumerate(row)] for yi, row in enumerate(z)],
            x=x_labels,
            y=y_labels,
            customdata=[[c] * n_mod for c in countries],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=scale,
            zmin=-0.5,
            zmax=5.5,
            xgap=2,
            ygap=2,
            colorbar={
                "title": {"text": t("chart.stage", lang)},
                "tickvals": list(range(6)),
                "ticktext": [f"{i} {stage_labels[str(i)]}" for i in range(6)],
            },
        )
    )
    # Heatmaps emit no point selection: a trace with an invisible marker on every cell makes
    # a click report the country (customdata), so the matrix can open the country's profile.
    # The same trace prints the numbers, dark stages in light text: one trace draws and
    # redraws far faster than one annotation per cell.
    fig.add_scatter(
        x=[x_labels[xi] for _ in countries for xi in range(n_mod)],
        y=[y for y in y_labels for _ in range(n_mod)],
        customdata=[c for c in countries for _ in range(n_mod)],
        hovertext=[h for row in hover for h in row],
        hovertemplate="%{hovertext}<extra></extra>",
        mode="markers+text",
        text=[text[yi][xi] for yi in range(len(countries)) for xi in range(n_mod)],
        textposition="middle center",
        textfont={
            "size": 14,
            "color": [
                "#222" if z[yi][xi] is None or (xi, yi) in veiled else STAGE_TEXT_COLORS[z[yi][xi]]
                for yi in range(len(countries))
                for xi in range(n_mod)
            ],
        },
        marker={"symbol": "square", "size": 26, "color": "rgba(0,0,0,0)"},
        showlegend=False,
        name="",
    )
    fig.data[0].hoverinfo = "skip"
    if veiled:  # a value carried forward is drawn in a paler tone of its stage
        fig.add_heatmap(
            z=[[v if (xi, yi) in veiled else None for xi, v in enumerate(row)] for yi, row in enumerate(z)],
            x=x_labels,
            y=y_labels,
            colorscale=pale_scale,
            zmin=-0.5,
            zmax=5.5,
            xgap=2,
            ygap=2,
            showscale=False,
            hoverinfo="skip",
            name="carried",
        )
    if veiled:  # name the veil in the legend: never a difference in colour alone
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "symbol": "square",
                "size": 14,
                "color": "#d9d9d9",
                "line": {"width": 1, "color": "#999"},
            },
            name=t("chart.carried_legend", lang),
            hoverinfo="skip",
            showlegend=True,
        )
    fig.update_xaxes(side="top", tickangle=0)
    _outline_cells(fig, marked, lang)
    return _layout(
        fig,
        title,
        lang,
        height=max(300, 40 * len(countries) + 160),
        clickmode="event+select",
    )


def membership(growth: pd.DataFrame, ref: Reference, lang: str) -> go.Figure:
    routes = ref.labels("entry_route", lang)
    fig = go.Figure()
    for i, (route, label) in enumerate(routes.items()):
        g = growth[growth["entry_route"] == route]
        fig.add_bar(
            x=g["year"],
            y=g["members"],
            name=label,
            marker_color=CATEGORICAL[i],
            text=g["members"].where(g["members"] > 0),
            textposition="inside",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("chart.year", lang), dtick=1)
    fig.update_yaxes(title=t("chart.member_countries", lang))
    return _layout(fig, lang=lang, title=t("chart.membership_title", lang))


def milestones(ms: pd.DataFrame, lang: str, names: dict[str, str] | None = None) -> go.Figure:
    """The community's timeline, top to bottom, each milestone named beside its date (a
    label on the page, not only on hover); the countries it concerns in brackets."""
    names = names or {}
    df = ms.reset_index(drop=True)
    labels = []
    for d, e, c in zip(df["date"], df[f"event_{lang}"], df["countries"].fillna("")):
        who = ", ".join(names.get(x, x) for x in c.split(";") if x)
        text = _wrap(e + (f" ({who})" if who else ""), 80)
        labels.append(f"<b>{d}</b>  {text}")
    y = list(range(len(df)))
    fig = go.Figure()
    fig.add_scatter(
        x=[0] * len(df), y=y, mode="lines", line={"color": "#999"}, hoverinfo="skip", showlegend=False
    )
    fig.add_scatter(
        x=[0] * len(df),
        y=y,
        mode="markers+text",
        text=labels,
        textposition="middle right",
        textfont={"size": 12},
        marker={"size": 11, "color": CATEGORICAL[0]},
        hovertext=labels,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        cliponaxis=False,
    )
    fig.update_xaxes(visible=False, range=[-0.02, 1])
    fig.update_yaxes(visible=False, autorange="reversed")
    rows = sum(label.count("<br>") + 1 for label in labels)
    return _layout(
        fig, lang=lang, title=t("chart.milestones_title", lang), height=110 + 24 * rows + 14 * len(df)
    )


def stage_steps(yearly: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    """One country's module stages over time as step lines."""
    mods = ref.labels("module", lang)
    fig = go.Figure()
    ringed = False
    for i, m in enumerate(MODULES):
        g = yearly[yearly["module"] == m].sort_values("year")
        if g.empty:
            continue
        # Modules at the same stage would draw one line over another: each is nudged
        # a little off the stage line (the hover and the table give the exact stage).
        offset = (i - (len(MODULES) - 1) / 2) * STEP_NUDGE
        fig.add_scatter(
            x=g["year"],
            y=g["stage"] + offset,
            name=mods[m],
            mode="lines+markers",
            customdata=g["stage"],
            hovertemplate=f"{mods[m]} · %{{x}}: %{{customdata}}<extra></extra>",
            line={"shape": "hv", "color": CATEGORICAL[i], "width": 3},
            marker={"symbol": ["circle", "square", "diamond", "triangle-up"][i], "size": 9},
        )
        waiting = g[_awaiting(g)]
        if len(waiting):
            _ring_points(fig, waiting["year"], waiting["stage"] + offset, lang, legend=not ringed)
            ringed = True
    labels = ref.labels("stage", lang)
    fig.update_yaxes(
        range=[-0.3, 5.3],
        tickvals=list(range(6)),
        ticktext=[f"{i} {labels[str(i)]}" for i in range(6)],
        title=t("chart.stage", lang),
    )
    fig.update_xaxes(title=t("chart.year", lang), dtick=1)
    return _layout(fig, lang=lang, title=title)


def lines(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    labels: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    y_range: tuple[float, float] | None = None,
    lang: str = "es",
    open_year: int | None = None,
) -> go.Figure:
    """One line per series; points from submissions awaiting review (an ``awaiting``
    column) are ringed and named in the legend (in ``lang``); with a year axis, the year
    under way (``open_year``) is named so on its tick and drawn with an open marker."""
    fig = go.Figure()
    ringed = False
    for i, (key, label) in enumerate(labels.items()):
        g = df[df[series] == key].sort_values(x)
        if g.empty:
            continue
        fig.add_scatter(
            x=g[x],
            y=g[y],
            name=label,
            mode="lines+markers",
            line={"color": CATEGORICAL[i % len(CATEGORICAL)]},
            marker={"symbol": i % 20, "size": 8},
        )
        waiting = g[_awaiting(g) & g[y].notna()]
        if len(waiting):
            _ring_points(fig, waiting[x], waiting[y], lang, legend=not ringed)
            ringed = True
    fig.update_xaxes(title=x_title, dtick=1)
    if x == "year":
        _year_axis(fig, df[x].tolist(), open_year, lang)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    return _layout(fig, lang=lang, title=title)


def small_multiples(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    facet: str,
    labels: dict[str, str],
    title: str,
    y_title: str,
    lang: str,
    open_year: int | None = None,
    columns: int = 5,
) -> go.Figure:
    """One small line chart per ``facet`` value (in ``labels`` order), on one shared scale,
    instead of many lines tangled in one: each read alone, all compared at a glance. The
    year under way is drawn as an open marker on a dashed segment (its count is partial)."""
    from plotly.subplots import make_subplots

    keys = [k for k in labels if k in set(df[facet])]
    rows = max(1, -(-len(keys) // columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_yaxes=True,
        subplot_titles=[_wrap(labels[k], 22) for k in keys],
        horizontal_spacing=0.03,
        vertical_spacing=0.22 if rows > 1 else 0.1,
    )
    years = sorted({int(v) for v in df[x]})
    for i, k in enumerate(keys):
        g = df[df[facet] == k].set_index(x)[y].reindex(years, fill_value=0)
        done = [yr for yr in years if open_year is None or yr < open_year]
        row, col = i // columns + 1, i % columns + 1
        color = CATEGORICAL[i % len(CATEGORICAL)]
        fig.add_scatter(
            x=done,
            y=[g[yr] for yr in done],
            mode="lines+markers",
            line={"color": color},
            marker={"size": 5},
            name=labels[k],
            showlegend=False,
            hovertemplate=f"{labels[k]}<br>%{{x}}: %{{y}}<extra></extra>",
            row=row,
            col=col,
        )
        open_years = [yr for yr in years if open_year is not None and yr >= open_year]
        if open_years and done:
            fig.add_scatter(
                x=[done[-1], *open_years],
                y=[g[done[-1]], *(g[yr] for yr in open_years)],
                mode="lines+markers",
                line={"color": color, "dash": "dot"},
                marker={"size": [0] + [8] * len(open_years), "symbol": "circle-open"},
                showlegend=False,
                hovertemplate=f"{labels[k]}<br>%{{x}} ({t('refperiod.under_way_short', lang)}): %{{y}}<extra></extra>",
                row=row,
                col=col,
            )
    fig.update_xaxes(tickvals=[years[0], years[-1]] if years else None, tickangle=0)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    fig.update_annotations(font_size=12)
    note = (
        t("chart.small_multiples_note", lang)
        if open_year is not None and years and years[-1] >= open_year
        else ""
    )
    fig = _layout(
        fig, lang=lang, title=title + (f"<br><sup>{note}</sup>" if note else ""), height=230 * rows + 150
    )
    # Room for the title, its note and the first row's titles (two lines each) above the plots.
    fig.update_layout(margin_t=135)
    return fig


def _wrap(text: str, width: int) -> str:
    """``text`` broken into lines of about ``width`` characters, for titles in small spaces."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def stage_distribution(
    dist: pd.DataFrame, ref: Reference, lang: str, title: str, open_year: int | None = None
) -> go.Figure:
    """Countries per stage at the end of each year, stacked; the part of each stage whose
    value is carried forward from an earlier year is hatched (``carried``)."""
    labels = ref.labels("stage", lang)
    fig = go.Figure()
    carried = dist["carried"] if "carried" in dist else pd.Series(0, index=dist.index)
    for s in range(6):
        g = dist[dist["stage"] == s]
        c = carried[g.index]
        fig.add_bar(
            x=g["year"],
            y=g["countries"] - c,
            name=f"{s} {labels[str(s)]}",
            legendgroup=str(s),
            marker_color=STAGE_COLORS[s],
            marker_line={"color": "#666", "width": 0.5},
            text=g["countries"],
            textposition="inside",
            textfont={"color": STAGE_TEXT_COLORS[s]},
            hovertemplate="%{x}: %{text}<extra>" + f"{s} {labels[str(s)]}" + "</extra>",
        )
        if c.sum():
            fig.add_bar(
                x=g["year"],
                y=c,
                name=f"{s} {labels[str(s)]}",
                legendgroup=str(s),
                showlegend=False,
                marker={
                    "color": STAGE_COLORS[s],
                    "opacity": 0.55,
                    "pattern": {"shape": "/", "fgcolor": "#555", "solidity": 0.2},
                    "line": {"color": "#666", "width": 0.5},
                },
                hovertemplate="%{x}: %{y} "
                + t("chart.carried_short", lang)
                + "<extra>"
                + f"{s} {labels[str(s)]}"
                + "</extra>",
            )
    if carried.sum():
        fig.add_bar(
            x=[None],
            y=[None],
            name=t("chart.carried_hatched", lang),
            marker={"color": "#ffffff", "pattern": {"shape": "/", "fgcolor": "#555"}},
            marker_line={"color": "#666", "width": 0.5},
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("chart.year", lang), dtick=1)
    _year_axis(fig, dist["year"].tolist(), open_year, lang)
    fig.update_yaxes(title=t("chart.countries", lang))
    return _layout(fig, lang=lang, title=title)


def ranking(rank: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    df = rank.iloc[::-1]
    stages = df["stage"].astype(int)
    waiting = _awaiting(df)
    carried_from = (
        df["carried_from"].tolist() if "carried_from" in df else [pd.NA] * len(df)
    )  # a value carried forward from an earlier year: paler, with its year
    fig = go.Figure(
        go.Bar(
            x=stages,
            y=[names.get(c, c) for c in df["country"]],
            orientation="h",
            marker_color=[STAGE_COLORS[s] for s in stages],
            marker_line={
                "color": [AWAITING_COLOR if w else "#666" for w in waiting],
                "width": [2.5 if w else 0.5 for w in waiting],
            },
            marker_pattern={
                "shape": ["/" if w else "" for w in waiting],
                "fgcolor": AWAITING_COLOR,
                "solidity": 0.25,
            },
            text=[
                f"{s}"
                + ("" if pd.isna(cv) else f" · {number(cv, lang)} %")
                + ("" if pd.isna(cf) else f" ({cf})")
                for s, cv, cf in zip(stages, df["coverage_pct"], carried_from)
            ],
            textposition="outside",
            cliponaxis=False,
            marker_opacity=[0.5 if pd.notna(cf) else 1 for cf in carried_from],
            customdata=df["country"],
            hovertext=[
                "" if pd.isna(cf) else " · " + t("refperiod.carried", lang, year=int(cf))
                for cf in carried_from
            ],
            hovertemplate="%{y}: %{x}%{hovertext}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 7.4], title=t("chart.stage_coverage", lang), tickvals=list(range(6)))
    if waiting.any():
        fig.data[0].showlegend = False
        fig.add_bar(
            x=[None],
            y=[None],
            orientation="h",
            name=t("chart.awaiting", lang),
            marker={"color": "#ffffff", "pattern": {"shape": "/", "fgcolor": AWAITING_COLOR}},
            marker_line={"color": AWAITING_COLOR, "width": 2.5},
        )
    return _layout(fig, lang=lang, title=title, height=max(300, 28 * len(df) + 120))


def heatmap(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    x_labels: dict[str, str],
    y_labels: dict[str, str],
    title: str,
    colorbar: str,
    lang: str | None = None,
) -> go.Figure:
    xs, ys = list(x_labels), list(y_labels)
    grid = df.pivot_table(index=y, columns=x, values=value, aggfunc="sum").reindex(index=ys, columns=xs)
    z = grid.to_numpy()
    text = [["" if pd.isna(v) else str(int(v)) for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[x_labels[k] for k in xs],
            y=[y_labels[k] for k in ys],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            xgap=2,
            ygap=2,
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
            colorbar={"title": {"text": colorbar}},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, lang, height=max(320, 34 * len(ys) + 140))


def bars(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str | None,
    x_labels: dict[str, str],
    series_labels: dict[str, str] | None,
    title: str,
    y_title: str,
    lang: str | None = None,
) -> go.Figure:
    fig = go.Figure()
    groups = (
        [(None, None, df)]
        if series is None
        else [(k, lab, df[df[series] == k]) for k, lab in (series_labels or {}).items()]
    )
    for i, (_k, label, g) in enumerate(groups):
        g = g.set_index(x).reindex(list(x_labels)).reset_index()
        fig.add_bar(
            x=[x_labels[v] for v in g[x]],
            y=g[y],
            name=label or y_title,
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            text=g[y],
            textposition="auto",
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=y_title)
    return _layout(fig, title, lang)


def completeness(comp: pd.DataFrame, ref: Reference, lang: str, open_year: int | None = None) -> go.Figure:
    """year × country: not expected (blank), expected but missing (0), reported (1).

    ``open_year`` is still under way: a report not yet in is "…", not missing.
    """
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    countries = sorted(comp["country"].unique(), key=lambda c: sort_key(names.get(c, c), lang), reverse=True)
    years = sorted(comp["year"].unique())
    cells = {(r["country"], r["year"]): r for r in comp.to_dict("records")}
    z, text, marked = [], [], []
    for yi, c in enumerate(countries):
        zr, tr = [], []
        for xi, y in enumerate(years):
            r = cells[(c, y)]
            if is_awaiting(r.get("awaiting")):
                marked.append((xi, yi))
            if not r["expected"] and not r["progress"]:
                zr.append(None)
                tr.append("")
            elif y == open_year and not r["progress"]:
                zr.append(None)
                tr.append("…")
            else:
                zr.append(1 if r["progress"] else 0)
                tr.append("✓" if r["progress"] else "✗")
        z.append(zr)
        text.append(tr)
    under_way = t("refperiod.under_way_short", lang)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[
                f"{y}<br>({under_way})" if open_year is not None and y >= open_year else str(y) for y in years
            ],
            y=[names.get(c, c) for c in countries],
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            showscale=False,
            colorscale=[[0, "#f4a582"], [0.5, "#f4a582"], [0.5, "#92c5de"], [1, "#92c5de"]],
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")  # years as columns (the outlines are placed by column)
    _outline_cells(fig, marked, lang)
    return _layout(
        fig,
        t("chart.completeness_title", lang),
        lang,
        height=max(320, 30 * len(countries) + 140),
        plot_bgcolor=NO_DATA_COLOR,
    )


def stacked_bars(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    series_labels: dict[str, str],
    title: str,
    x_title: str,
    y_title: str,
    colors: dict[str, str] | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Bars stacked by ``series`` (in the order of ``series_labels``), each part's value printed."""
    fig = go.Figure()
    for i, (key, label) in enumerate(series_labels.items()):
        g = df[df[series] == key].sort_values(x)
        if g.empty:
            continue
        fig.add_bar(
            x=g[x],
            y=g[y],
            name=label,
            marker_color=(colors or {}).get(key, CATEGORICAL[i % len(CATEGORICAL)]),
            marker_line={"color": "#666", "width": 0.5},
            text=g[y].where(g[y] > 0),
            textposition="inside",
            textangle=0,
            hovertemplate=f"{label} · %{{x}}: %{{y}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack", legend_traceorder="normal", uniformtext={"minsize": 10, "mode": "hide"}
    )
    fig.update_xaxes(title=x_title, dtick=1)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    return _layout(fig, title, lang)


def hbars(
    bars: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    x_range: tuple[float, float] | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Horizontal bars (``bars``: label, value, text, and optionally hover), first row on top,
    each with its text beside it."""
    df = bars.iloc[::-1]
    hover = df["hover"] if "hover" in df else df["text"]
    fig = go.Figure(
        go.Bar(
            x=df["value"],
            y=df["label"],
            orientation="h",
            marker_color=CATEGORICAL[0],
            text=df["text"],
            textposition="auto",  # inside a bar long enough to hold it, else beside it
            cliponaxis=False,
            customdata=hover,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(title=x_title, rangemode="tozero")
    if x_range is not None:
        fig.update_xaxes(range=list(x_range))
    return _layout(fig, title, lang, height=max(300, 28 * len(df) + 140))


def exchange_flow(flow: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    """Who learned from whom: countries whose practices were adapted (left) flowing to the
    countries that adapted them (right), one band per pair, as wide as its practices.

    A country on both sides is drawn twice, so the picture stays two columns however the
    adaptations chain (a Sankey cannot draw a cycle).
    """
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    sources = sorted(flow["source"].unique(), key=lambda c: names.get(c, c))
    adopters = sorted(flow["adopter"].unique(), key=lambda c: names.get(c, c))
    index = {("s", c): i for i, c in enumerate(sources)}
    index.update({("a", c): len(sources) + i for i, c in enumerate(adopters)})
    hover = [
        t(
            "exchange.flow_hover",
            lang,
            source=names.get(r.source, r.source),
            adopter=names.get(r.adopter, r.adopter),
            n=int(r.practices),
            titles=escape(r.titles),  # user text: plotly would draw its tags
        )
        for r in flow.itertuples()
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            textfont={"color": "#222222", "size": 13},
            node={
                "label": [names.get(c, c) for c in sources] + [names.get(c, c) for c in adopters],
                "color": [CATEGORICAL[0]] * len(sources) + [CATEGORICAL[2]] * len(adopters),
                "pad": 14,
                "thickness": 16,
                "line": {"color": "#555", "width": 0.5},
                "hovertemplate": "%{label}<extra></extra>",
            },
            link={
                "source": [index[("s", s)] for s in flow["source"]],
                "target": [index[("a", a)] for a in flow["adopter"]],
                "value": flow["practices"].astype(int).tolist(),
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
                "color": "rgba(0, 114, 178, 0.25)",
            },
        )
    )
    for x, anchor, key in ((0, "left", "exchange.flow_from"), (1, "right", "exchange.flow_to")):
        fig.add_annotation(
            x=x,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor=anchor,
            yanchor="bottom",
            text=f"<b>{t(key, lang)}</b>",
            showarrow=False,
        )
    height = max(320, 36 * max(len(sources), len(adopters)) + 140)
    return _layout(fig, lang=lang, title=title, height=height)
