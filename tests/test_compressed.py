"""Compressed uploads (issue 10 §2): .csv.gz and a .zip of one table read like the table itself; a zip bomb, a
zip of several files, a nested archive and a damaged file are refused with a message naming the file."""

from __future__ import annotations

import gzip
import io
import zipfile

import pandas as pd
import pytest

from core.dataset import DataError, Problem
from core.loading import load_dataset

ACCOUNTS = (
    "account_id,account_name,nip,business_account,sales_quality,positive_ratings_pct\n"
    "A1,Alfa,5260250274,true,Good,99.5\nA2,Bąkmot,9512345600,false,Neutral,98\n"
)
REVENUE = "account_id,category,month,revenue\nA1,Electronics,2024-01,100\nA2,Garden,2024-02,200\n"


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def load(revenue: bytes, name: str, **kw):
    return load_dataset(ACCOUNTS.encode(), revenue, accounts_name="accounts.csv", revenue_name=name, **kw)


def refused(revenue: bytes, name: str, **kw) -> Problem:
    with pytest.raises(DataError) as caught:
        load(revenue, name, **kw)
    (problem,) = caught.value.problems
    assert problem.file == name and problem.row is None
    return problem


def plain():
    return load(REVENUE.encode(), "revenue.csv")


def assert_same_data(ds) -> None:
    expected = plain()
    pd.testing.assert_frame_equal(ds.revenue, expected.revenue, check_exact=True)


def test_a_gzipped_csv_reads_like_the_csv():
    assert_same_data(load(gzip.compress(REVENUE.encode()), "revenue.csv.gz"))


def test_a_gzip_file_of_several_members_reads_whole():
    data = REVENUE.encode()
    assert_same_data(load(gzip.compress(data[:50]) + gzip.compress(data[50:]), "revenue.csv.gz"))


def test_a_zip_of_one_csv_reads_like_the_csv():
    assert_same_data(load(zipped({"revenue.csv": REVENUE.encode()}), "revenue.zip"))


def test_the_files_a_mac_adds_to_a_zip_are_ignored():
    assert_same_data(load(zipped({"revenue.csv": REVENUE.encode(), "__MACOSX/._revenue.csv": b"\0\5"}), "r.zip"))


def test_a_zip_of_a_zstd_parquet_file_reads_like_the_csv():
    frame = pd.read_csv(io.StringIO(REVENUE), dtype={"month": str})
    out = io.BytesIO()
    frame.to_parquet(out, compression="zstd")
    assert_same_data(load(out.getvalue(), "revenue.parquet"))
    assert_same_data(load(zipped({"revenue.parquet": out.getvalue()}), "revenue.zip"))


def test_a_gzip_bomb_is_refused_while_unpacking():
    bomb = gzip.compress(REVENUE.encode() + b"\0" * 5_000_000)  # 5 MB of zeros: about 5 KB gzipped
    assert len(bomb) < 10_000
    problem = refused(bomb, "revenue.csv.gz", max_bytes=2**20)
    assert "unpacked, the file is larger than the limit of 1 MB" in problem.message


def test_a_zip_bomb_is_refused_from_its_declared_size():
    bomb = zipped({"revenue.csv": REVENUE.encode() + b"\0" * 5_000_000})
    problem = refused(bomb, "revenue.zip", max_bytes=2**20)
    assert "declares 5 MB unpacked, more than the limit of 1 MB" in problem.message


def test_a_zip_lying_about_its_size_is_refused():
    data = REVENUE.encode() + b"0" * 100_000
    bomb = bytearray(zipped({"revenue.csv": data}))
    # The declared size (local header at 22, central directory at its own offset) says 10 bytes.
    real = len(data).to_bytes(4, "little")
    bomb = bytes(bomb).replace(real, (10).to_bytes(4, "little"))
    problem = refused(bomb, "revenue.zip")
    assert "damaged" in problem.message or "limit" in problem.message


def test_a_zip_of_several_files_is_refused_naming_them():
    problem = refused(zipped({"a.csv": REVENUE.encode(), "b.csv": REVENUE.encode()}), "both.zip")
    assert "the zip holds 2 files (a.csv, b.csv); a zip must hold one table" in problem.message


def test_an_empty_zip_is_refused():
    assert "holds no file" in refused(zipped({"folder/": b""}), "empty.zip").message


@pytest.mark.parametrize(
    "inner, kind", [(zipped({"revenue.csv": REVENUE.encode()}), "a zip"), (gzip.compress(b"x"), "a gzip file")]
)
def test_an_archive_in_an_archive_is_refused(inner, kind):
    problem = refused(zipped({"inner": inner}), "nested.zip")
    assert f"the zip holds {kind}" in problem.message
    problem = refused(gzip.compress(inner), "nested.csv.gz")
    assert f"the gzip file holds {kind}" in problem.message


def test_a_gzip_file_cut_short_is_refused():
    data = gzip.compress(REVENUE.encode() * 100)
    assert "cut short" in refused(data[: len(data) // 2], "revenue.csv.gz").message


def test_a_damaged_zip_is_refused():
    data = zipped({"revenue.csv": REVENUE.encode() * 100})
    assert "zip" in refused(data[:-30], "revenue.zip").message


def test_a_password_protected_zip_is_refused():
    data = bytearray(zipped({"revenue.csv": REVENUE.encode()}))
    data[6] |= 1  # the local header's "encrypted" flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1  # and the central directory's, which zipfile reads
    assert "password" in refused(bytes(data), "revenue.zip").message
