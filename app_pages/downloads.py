"""Downloads: the region's snapshot as it stands now or stood at a past time."""

from datetime import date, datetime, time

import streamlit as st

import ui
from analytics import snapshot, submissions

c = ui.ctx()
st.title(c.t("nav.downloads"))
st.caption(c.t("downloads.intro"))

# 1. As of when, in which language (the sidebar's filters apply)
left, mid, right = st.columns(3)
default_day = c.as_of.date() if c.as_of else date.today()
day = left.date_input(c.t("downloads.as_of_date"), value=default_day, min_value=date(2015, 12, 1),
                      max_value=date.today(), key="dl_day", format="YYYY-MM-DD")
at = mid.time_input(c.t("downloads.as_of_time"), value=time(23, 59), key="dl_time", step=60)
lang = right.radio(c.t("downloads.language"), ["es", "en"], index=["es", "en"].index(c.lang), horizontal=True,
                   format_func=lambda x: {"es": "Español", "en": "English"}[x], key="dl_lang")
as_of = datetime.combine(day, at)
if as_of >= ui.now():
    as_of = None
version = submissions.data_version(c.con, as_of)
st.info(c.t("downloads.summary", as_of=as_of.strftime("%Y-%m-%d %H:%M") if as_of else c.t("downloads.now"),
            version=version, filters=c.filters.describe()), icon=":material/info:")

# 2. One button per format; each file is built only when its button is pressed
stem = f"esp-monitor_{(as_of or ui.now()).strftime('%Y-%m-%d')}_v{version}"
ext = {"xlsx": "xlsx", "csv": "csv.zip", "parquet": "parquet.zip", "html": "html"}
for fmt in snapshot.FORMATS:
    with st.container(border=True):
        a, b = st.columns([3, 1])
        a.markdown(f"**{c.t(f'downloads.{fmt}_title')}**")
        a.caption(c.t(f"downloads.{fmt}_what"))
        b.download_button(
            c.t("downloads.button"),
            data=lambda fmt=fmt: snapshot.write(ui.cursor(), fmt, as_of=as_of, lang=lang, filters=c.filters)[1],
            file_name=f"{stem}.{ext[fmt]}", mime=snapshot.MIME[fmt], on_click="ignore",
            icon=":material/download:", key=f"dl_{fmt}", width="stretch")
