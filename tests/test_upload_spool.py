"""An upload is never written to disk on its way into the server (README, Confidentiality): Streamlit receives
files through Starlette's multipart parser, which by default spools any file over 1 MB to a temporary file."""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser
from streamlit.testing.v1 import AppTest

from ui.upload_spool import SPOOL_BYTES, keep_uploads_in_memory

BOUNDARY = "dpe-test-boundary"


def upload_part(size: int) -> bytes:
    """One multipart file part of ``size`` bytes, as a browser's upload of revenue.csv sends it."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="revenue.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + b"7" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


def receive(size: int):
    """The UploadFile Starlette's parser makes of the part, received in 64 KiB chunks."""
    body = upload_part(size)

    async def chunks():
        for start in range(0, len(body), 2**16):
            yield body[start : start + 2**16]

    async def parse():
        headers = Headers({"content-type": f"multipart/form-data; boundary={BOUNDARY}"})
        return (await MultiPartParser(headers, chunks()).parse())["file"]

    # In a thread of its own: under the whole suite the main thread may already run an event loop (Playwright's).
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, parse()).result()


@pytest.fixture
def default_spool(monkeypatch):
    monkeypatch.setattr(MultiPartParser, "spool_max_size", 1024 * 1024)  # Starlette's default


@pytest.fixture
def no_temporary_files(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an upload was spooled to a temporary file on disk")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)


def test_by_default_a_large_upload_is_spooled_to_disk(default_spool):
    # Why the fix exists, and proof that the test below could fail: 3 MB rolls over to a temporary file.
    upload = receive(3 * 2**20)
    assert upload.file._rolled and upload.size == 3 * 2**20


def test_an_upload_up_to_the_limit_stays_in_memory(default_spool, no_temporary_files):
    keep_uploads_in_memory()
    assert MultiPartParser.spool_max_size == SPOOL_BYTES
    upload = receive(12 * 2**20)
    assert not upload.file._rolled and upload.size == 12 * 2**20
    keep_uploads_in_memory()  # again, as every run of app.py does: no change
    assert MultiPartParser.spool_max_size == SPOOL_BYTES


def test_a_higher_upload_limit_of_the_server_is_kept_in_memory_too(default_spool, no_temporary_files):
    from streamlit import config

    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 2000)
    try:
        keep_uploads_in_memory()
    finally:
        config.set_option("server.maxUploadSize", before)
    assert MultiPartParser.spool_max_size == 2000 * 2**20 + 2**20


def test_the_dashboard_keeps_uploads_in_memory_from_its_first_run(default_spool):
    AppTest.from_file("../app.py", default_timeout=60).run()
    assert MultiPartParser.spool_max_size >= SPOOL_BYTES
