"""Compressed uploads: a table as ``.csv.gz`` (gzip) or inside a ``.zip`` (one file), unpacked in memory within
the loader's byte limit.

The 8 M-row revenue table of the real program is 306 MB as CSV and 60 MB gzipped, so real data arrives
compressed. Unpacking is where a small file becomes a huge one (a 1 MB zip or gzip can hold gigabytes of
zeros), so the limit is on the unpacked bytes: a zip's declared size is checked before anything is unpacked,
and the bytes actually produced are counted while unpacking (a declared size can lie), for gzip and zip alike.
A zip holding several files, or another archive, is refused with a message saying what to do.

A zip is a workbook (.xlsx is a zip too) unless its name says otherwise or it lacks a workbook's
``[Content_Types].xml``; workbooks go to core.read_xlsx as before.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from .formatting import count as _count
from .formatting import number as _decimal

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 2**22
# Entries a zip program adds beside the file itself; they are no second table.
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")


class Refused(Exception):
    """The compressed file can't be used; the message says why and what to do."""


def unpack(data: bytes, name: str, max_bytes: int) -> bytes:
    """The table's bytes: ``data`` itself, or what a gzip file or a zip of one table holds."""
    if data.startswith(GZIP_MAGIC):
        return _nested_check(gunzip(data, max_bytes), "gzip file")
    if data.startswith(ZIP_MAGIC) and is_zipped_table(data, name):
        return _nested_check(unzip(data, max_bytes), "zip")
    return data


def is_zipped_table(data: bytes, name: str) -> bool:
    """A zip holding a table (CSV or Parquet), not an Excel workbook."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return name.lower().endswith(".zip")  # a damaged .zip is refused as a zip, a damaged workbook by read_xlsx
    return "[Content_Types].xml" not in names


def _too_big(max_bytes: int) -> Refused:
    return Refused(f"unpacked, the file is larger than the limit of {_decimal(max_bytes / 2**20, 0)} MB")


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """A gzip file's content (every member, as the gzip tool reads them), never more than ``max_bytes``."""
    parts: list[bytes] = []
    total = 0
    rest = data
    while rest:
        unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while pending and not unpacker.eof:
                chunk = unpacker.decompress(pending, max_bytes + 1 - total)
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(max_bytes)
                parts.append(chunk)
                pending = unpacker.unconsumed_tail
        except zlib.error:
            raise Refused("the gzip file is damaged; compress the table again") from None
        if not unpacker.eof:
            raise Refused("the gzip file is cut short (an interrupted download or copy?); compress the table again")
        rest = unpacker.unused_data
        if not rest.startswith(GZIP_MAGIC):
            if rest.strip(b"\0"):
                raise Refused("the gzip file has data after its end; compress the table again")
            break
    return b"".join(parts)


def unzip(data: bytes, max_bytes: int) -> bytes:
    """The one file a zip holds, never more than ``max_bytes`` (declared or actual)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [e for e in archive.infolist() if not e.is_dir() and not _is_junk(e.filename)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused("not a readable zip file") from None
    if not entries:
        raise Refused("the zip holds no file; put the table (a CSV or Parquet file) in it")
    if len(entries) > 1:
        listing = ", ".join(e.filename for e in entries[:5]) + (", …" if len(entries) > 5 else "")
        raise Refused(
            f"the zip holds {_count(len(entries))} files ({listing}); a zip must hold one table: zip each file on its "
            "own, or upload the files themselves"
        )
    entry = entries[0]
    if entry.flag_bits & 0x1:
        raise Refused("the zip is password-protected; upload it without a password")
    if entry.file_size > max_bytes:
        raise Refused(
            f"the file in the zip declares {_decimal(entry.file_size / 2**20, 0)} MB unpacked, more than the limit of "
            f"{_decimal(max_bytes / 2**20, 0)} MB"
        )
    parts: list[bytes] = []
    total = 0
    try:
        with archive.open(entry) as member:
            while chunk := member.read(min(_CHUNK, max_bytes + 1 - total)):
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(max_bytes)
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise Refused(f"the zip is damaged or uses a compression we don't read ({type(exc).__name__})") from None
    return b"".join(parts)


def _is_junk(filename: str) -> bool:
    return filename.startswith(_JUNK[0]) or filename.rsplit("/", 1)[-1] in _JUNK[1:]


def _nested_check(data: bytes, outer: str) -> bytes:
    if data.startswith(GZIP_MAGIC) or data.startswith(ZIP_MAGIC):
        inner = "a gzip file" if data.startswith(GZIP_MAGIC) else "a zip (or Excel workbook)"
        raise Refused(
            f"the {outer} holds {inner}, not a table: compress the CSV or Parquet file itself once (an Excel "
            "workbook is uploaded as it is)"
        )
    return data
