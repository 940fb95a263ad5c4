"""The illustrative dataset's capacity activities and adaptations, as generated (no database
writes: the pages' and browser tests load it through the real path)."""

from datetime import date

import pandas as pd
import pytest

from analytics import reference
from analytics.demo import dataset
from analytics.store import facts
from analytics.store.duckstore import DuckDBStore

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def generated():
    store = DuckDBStore.memory()
    facts.load(store)
    countries = reference.build(store.reader()).countries
    store.close()
    files = dataset.generate(TODAY, countries)
    sheets = {
        s: pd.concat([f["tables"][s] for f in files if s in f["tables"]], ignore_index=True)
        for s in ("capacity", "practices")
    }
    return files, sheets, countries


def test_every_member_reports_capacity_and_none_before_joining(generated):
    _, sheets, countries = generated
    cap = sheets["capacity"]
    joined = dict(zip(countries["iso3"], countries["joined_year"]))
    assert set(cap["country"]) == set(countries[countries["member"]]["iso3"])
    years = cap["period"].astype(int)
    assert (years >= cap["country"].map(joined)).all()
    assert years.max() == TODAY.year - 1, "yearly reports only, up to last year"


def test_the_virtual_course_runs_from_2019_in_every_country_and_some_rows_have_no_split(generated):
    _, sheets, _ = generated
    cap = sheets["capacity"]
    course = cap[cap["activity"].isin(dataset.VIRTUAL_COURSE[1:])]
    assert course["period"].astype(int).min() == dataset.VIRTUAL_COURSE_FROM
    assert course["country"].nunique() == 15
    assert set(cap["kind"]) == {"COURSE", "WORKSHOP", "EXCHANGE", "TECHNICAL_ASSISTANCE"}
    no_split = cap["participants_women"].isna() & cap["participants_men"].isna()
    assert 0.1 < no_split.mean() < 0.5
    both = cap.dropna(subset=["participants_women", "participants_men"])
    assert (both["participants_women"] + both["participants_men"] <= both["participants_total"]).all()
    done = cap.dropna(subset=["completed"])
    assert (done["completed"] <= done["participants_total"]).all()


def test_each_adaptation_follows_its_source_s_practice_and_an_exchange_visit(generated):
    _, sheets, _ = generated
    pr, cap = sheets["practices"], sheets["capacity"]
    adopted = pr[pr["adopted_from"].notna()]
    assert sorted(zip(adopted["country"], adopted["adopted_from"])) == sorted(
        (a, ";".join(s)) for a, _, s in dataset.ADOPTIONS
    )
    hnd = adopted[adopted["country"] == "HND"].iloc[0]
    assert (hnd["title"], hnd["adopted_from"]) == ("Fiscalías especializadas", "GTM")
    for adopter, _title, sources in dataset.ADOPTIONS:
        when = adopted[adopted["country"] == adopter]["period"].iloc[0]
        module = pr[(pr["country"] == adopter) & (pr["period"] == when)]["module"].iloc[0]
        for source in sources:
            own = pr[(pr["country"] == source) & (pr["module"] == module)]
            assert len(own) == 1 and own["period"].iloc[0] < when, (adopter, source)
        visits = cap[(cap["country"] == adopter) & (cap["period"] == when) & (cap["kind"] == "EXCHANGE")]
        assert visits["activity"].str.contains("Intercambio con|Exchange with").any(), adopter
    shared = pr[[(c, t) in dataset.SOURCES for c, t in zip(pr["country"], pr["title"])]]
    assert (shared["replicable"] == "yes").all()


def test_the_invented_texts_use_the_vocabularies_codes_and_name_known_countries(generated):
    """texts.toml is edited by hand: its codes must be the vocabularies' and every adaptation
    must name a practice the file holds and member countries."""
    _, _, countries = generated
    vocab = reference.read_csv("vocabularies.csv")
    codes = {d: set(vocab.loc[vocab["domain"] == d, "code"]) for d in ("category", "module")}
    assert set(dataset.CHALLENGES) == codes["category"]
    activities = [dataset.VIRTUAL_COURSE, dataset.REGIONAL_MEETING, *dataset.WORKSHOPS, *dataset.ASSISTANCE]
    assert {p[0] for p in dataset.PRACTICES} | {a[0] for a in activities} <= codes["module"]
    titles = {p[1] for p in dataset.PRACTICES}
    members = set(countries.loc[countries["member"], "iso3"])
    for adopter, title, sources in dataset.ADOPTIONS:
        assert title in titles and {adopter, *sources} <= members, (adopter, title, sources)
