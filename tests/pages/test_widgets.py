"""The one place raw HTML reaches the page: only our own widget keys may get there."""

import pytest

from webui import widgets


@pytest.mark.parametrize(
    "wide, narrow",
    [
        ("overview_matrix", "x}</style><script>alert(1)</script>"),
        ("a{display:none}body", "matrix_narrow"),
        ("Overview", "matrix_narrow"),
        ("", "matrix_narrow"),
    ],
)
def test_the_narrow_screen_style_refuses_anything_but_a_widget_key(wide, narrow):
    with pytest.raises(ValueError, match="not a widget key"):
        widgets.swap_on_narrow_screens(wide, narrow)
