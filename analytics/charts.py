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

from .i18n import t
from .reference import MODULES, Reference
from .style import CATEGORICAL, FONT_FAMILY, NO_DATA_COLOR, STAGE_COLORS, STAGE_TEXT_COLORS

ARROWS = {1: "▲", 0: "=", -1: "▼"}
STEP_NUDGE = 0.07  # stage units between modules drawn at the same stage


def _layout(fig: go.Figure, title: str, **kw: Any) -> go.Figure:
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


def short_modules(lang: str) -> dict[str, str]:
    """Module names short enough for axes and legends."""
    return {m: t(f"module_short.{m}", lang) for m in MODULES + ("CROSS",)}


def stage_matrix(matrix: pd.DataFrame, ref: Reference, lang: str) -> go.Figure:
    """Country × module heatmap: stage colour, the number printed, arrow for the change."""
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    mods = short_modules(lang)
    countries = sorted(matrix["country"].unique(), key=lambda c: names.get(c, c), reverse=True)
    cells = {(r["country"], r["module"]): r for r in matrix.to_dict("records")}
    z, text, hover = [], [], []
    for c in countries:
        zr, tr, hr = [], [], []
        for m in MODULES:
            r = cells.get((c, m))
            if r is None:
                zr.append(None)
                tr.append("–")
                hr.append(t("chart.matrix_hover_none", lang, country=names.get(c, c), module=mods[m]))
                continue
            arrow = "" if pd.isna(r["change"]) else " " + ARROWS[int(r["change"])]
            zr.append(int(r["stage"]))
            tr.append(f"{int(r['stage'])}{arrow}")
            prev = (
                "—"
                if pd.isna(r["previous_stage"])
                else f"{int(r['previous_stage'])} ({r['previous_period']})"
            )
            hr.append(
                t(
                    "chart.matrix_hover",
                    lang,
                    country=names.get(c, c),
                    module=mods[m],
                    stage=int(r["stage"]),
                    label=ref.labels("stage", lang)[str(int(r["stage"]))],
                    period=r["period"],
                    previous=prev,
                )
            )
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    n = len(STAGE_COLORS)
    scale = [[edge / n, col] for i, col in enumerate(STAGE_COLORS) for edge in (i, i + 1)]
    stage_labels = ref.labels("stage", lang)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[mods[m] for m in MODULES],
            y=[names.get(c, c) for c in countries],
            customdata=[[c] * len(MODULES) for c in countries],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14},
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
    # Heatmaps emit no point selection: an invisible marker on every cell makes a click
    # report the country (customdata), so the matrix can open the country's profile.
    fig.add_scatter(
        x=[mods[m] for _ in countries for m in MODULES],
        y=[names.get(c, c) for c in countries for _ in MODULES],
        customdata=[c for c in countries for _ in MODULES],
        hovertext=[h for row in hover for h in row],
        hovertemplate="%{hovertext}<extra></extra>",
        mode="markers",
        marker={"symbol": "square", "size": 26, "color": "rgba(0,0,0,0)"},
        showlegend=False,
        name="",
    )
    fig.data[0].hoverinfo = "skip"
    # Dark stages need light numbers: the numbers are annotations with per-cell colours,
    # set in one go (adding them one by one re-validates the whole list each time).
    fig.data[0].texttemplate = None
    fig.update_layout(
        annotations=[
            {
                "x": mods[m],
                "y": names.get(c, c),
                "text": text[yi][xi],
                "showarrow": False,
                "font": {
                    "size": 14,
                    "color": STAGE_TEXT_COLORS[z[yi][xi]] if z[yi][xi] is not None else "#222",
                },
            }
            for yi, c in enumerate(countries)
            for xi, m in enumerate(MODULES)
        ]
    )
    fig.update_xaxes(side="top", tickangle=0)
    return _layout(
        fig,
        t("chart.matrix_title", lang),
        height=max(300, 40 * len(countries) + 140),
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
    return _layout(fig, t("chart.membership_title", lang))


def milestones(ms: pd.DataFrame, lang: str) -> go.Figure:
    df = ms.copy()
    df["when"] = pd.to_datetime(df["date"].where(df["date"].str.len() > 4, df["date"] + "-06"))
    df["y"] = [(-1) ** i * (1 + (i % 3) * 0.4) for i in range(len(df))]
    event = df[f"event_{lang}"]
    fig = go.Figure()
    fig.add_scatter(
        x=df["when"],
        y=[0] * len(df),
        mode="lines",
        line={"color": "#999"},
        hoverinfo="skip",
        showlegend=False,
    )
    fig.add_scatter(
        x=df["when"],
        y=df["y"],
        mode="markers+text",
        text=df["date"],
        textposition="top center",
        marker={"size": 10, "color": CATEGORICAL[0]},
        hovertext=[
            f"{d}: {e}" + (f" ({c.replace(';', ', ')})" if c else "")
            for d, e, c in zip(df["date"], event, df["countries"])
        ],
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
    )
    for x, y in zip(df["when"], df["y"]):
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=y, line={"color": "#bbb", "width": 1})
    fig.update_yaxes(visible=False, range=[-2.2, 2.2])
    return _layout(fig, t("chart.milestones_title", lang), height=320)


def stage_steps(yearly: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    """One country's module stages over time as step lines."""
    mods = ref.labels("module", lang)
    fig = go.Figure()
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
    labels = ref.labels("stage", lang)
    fig.update_yaxes(
        range=[-0.3, 5.3],
        tickvals=list(range(6)),
        ticktext=[f"{i} {labels[str(i)]}" for i in range(6)],
        title=t("chart.stage", lang),
    )
    fig.update_xaxes(title=t("chart.year", lang), dtick=1)
    return _layout(fig, title)


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
) -> go.Figure:
    fig = go.Figure()
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
    fig.update_xaxes(title=x_title, dtick=1)
    fig.update_yaxes(title=y_title, rangemode="tozero")
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    return _layout(fig, title)


def stage_distribution(dist: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    labels = ref.labels("stage", lang)
    fig = go.Figure()
    for s in range(6):
        g = dist[dist["stage"] == s]
        fig.add_bar(
            x=g["year"],
            y=g["countries"],
            name=f"{s} {labels[str(s)]}",
            marker_color=STAGE_COLORS[s],
            marker_line={"color": "#666", "width": 0.5},
            text=g["countries"],
            textposition="inside",
            textfont={"color": STAGE_TEXT_COLORS[s]},
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("chart.year", lang), dtick=1)
    fig.update_yaxes(title=t("chart.countries", lang))
    return _layout(fig, title)


def ranking(rank: pd.DataFrame, ref: Reference, lang: str, title: str) -> go.Figure:
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    df = rank.iloc[::-1]
    stages = df["stage"].astype(int)
    fig = go.Figure(
        go.Bar(
            x=stages,
            y=[names.get(c, c) for c in df["country"]],
            orientation="h",
            marker_color=[STAGE_COLORS[s] for s in stages],
            marker_line={"color": "#666", "width": 0.5},
            text=[
                f"{s} · {'' if pd.isna(cv) else f'{cv:.0f}%'}" for s, cv in zip(stages, df["coverage_pct"])
            ],
            textposition="outside",
            customdata=df["country"],
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 5.9], title=t("chart.stage_coverage", lang), dtick=1)
    return _layout(fig, title, height=max(300, 28 * len(df) + 120))


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
    return _layout(fig, title, height=max(320, 34 * len(ys) + 140))


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
    return _layout(fig, title)


def completeness(comp: pd.DataFrame, ref: Reference, lang: str, open_year: int | None = None) -> go.Figure:
    """year × country: not expected (blank), expected but missing (0), reported (1).

    ``open_year`` is still under way: a report not yet in is "…", not missing.
    """
    names = dict(zip(ref.countries["iso3"], ref.countries[f"name_{lang}"]))
    countries = sorted(comp["country"].unique(), key=lambda c: names.get(c, c), reverse=True)
    years = sorted(comp["year"].unique())
    cells = {(r["country"], r["year"]): r for r in comp.to_dict("records")}
    z, text = [], []
    for c in countries:
        zr, tr = [], []
        for y in years:
            r = cells[(c, y)]
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
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(y) for y in years],
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
    return _layout(
        fig,
        t("chart.completeness_title", lang),
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
    return _layout(fig, title)


def hbars(
    bars: pd.DataFrame, *, title: str, x_title: str, x_range: tuple[float, float] | None = None
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
    return _layout(fig, title, height=max(300, 28 * len(df) + 140))


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
    return _layout(fig, title, height=height)
