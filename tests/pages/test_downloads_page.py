"""The downloads page offers every format and each button produces its file."""

import io
import zipfile

import openpyxl
import pytest
import streamlit.testing.v1.app_test as app_test_module


@pytest.fixture
def media(monkeypatch):
    """Keep AppTest's media manager so deferred downloads can be produced after the run."""
    managers = []

    class Recording(app_test_module.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers


def test_downloads_page_offers_each_format_and_each_produces_a_file(open_app, media):
    app = open_app("downloads", "en")
    assert not app.exception
    assert any("data version" in i.value for i in app.info)
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b for b in app.get("download_button")}
    assert {"dl_xlsx", "dl_csv", "dl_parquet", "dl_html"} <= set(buttons)
    mgr = media[-1]
    files = {}
    for key in ("dl_xlsx", "dl_csv", "dl_parquet", "dl_html"):
        url = mgr.execute_deferred(buttons[key].proto.deferred_file_id)
        files[key] = mgr._storage.get_file(url.rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]).content
        assert len(files[key]) > 1000, key
    wb = openpyxl.load_workbook(io.BytesIO(files["dl_xlsx"]))
    assert {"README", "progress", "metadata"} <= set(wb.sheetnames)
    assert "progress.csv" in zipfile.ZipFile(io.BytesIO(files["dl_csv"])).namelist()
    assert "progress.parquet" in zipfile.ZipFile(io.BytesIO(files["dl_parquet"])).namelist()
    assert files["dl_html"].startswith(b"<!DOCTYPE html>")
