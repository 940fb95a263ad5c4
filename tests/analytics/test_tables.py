"""Tables in words: what a page's tables say, in the reader's language."""

import pandas as pd

from analytics import reference
from analytics.present import tables


def test_a_rollback_that_changes_nothing_says_what_stays_shown_in_words(con):
    ref = reference.build(con)
    effect = pd.DataFrame(
        {
            "country": ["PER", "PER", "PER"],
            "period": ["2025"] * 3,
            "sheet": ["progress", "challenges", "practices"],
            "shown_now": [None, 9, 3],
            "shown_after": [None, 9, 3],
        }
    )
    after = tables.rollback_effect(effect, 5, ref, "en")["after"].tolist()
    assert after == [
        "no change: no report of this country, period and sheet is shown today",
        "no change: the later submission #9 is shown already",
        "no change: submission #3 is shown",
    ]
