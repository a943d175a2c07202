"""Uploads stay in memory on their way in, as the README's Confidentiality section promises.

Streamlit 1.67 receives an uploaded file through Starlette's multipart parser, which spools every file part
larger than ``MultiPartParser.spool_max_size`` (1 MB by default) to a temporary file on disk
(``SpooledTemporaryFile`` rolls over to ``tempfile.TemporaryFile``). Seller revenue must never be written to
disk, so the spool limit is raised above the largest upload the server accepts: every upload we take is held
in memory (a ``BytesIO``) until Streamlit reads it out, and one larger than that is refused by Streamlit's
own size check while it streams in, before any rollover. The cost is memory the upload takes anyway (the
limit is ``server.maxUploadSize``, the loader's own ``MAX_BYTES``).
"""

from __future__ import annotations

import streamlit as st
from starlette.formparsers import MultiPartParser

from core.loading import MAX_BYTES

# Room for the multipart framing around a file (Streamlit's streaming cap allows a margin too).
FRAMING_BYTES = 2**20
# The largest upload the loader takes, with its framing: the spool limit is at least this.
SPOOL_BYTES = MAX_BYTES + FRAMING_BYTES


def keep_uploads_in_memory() -> None:
    """Raise Starlette's spool limit above the largest upload Streamlit accepts (``server.maxUploadSize``, set
    higher by some deployments and by the browser benchmark) and the loader's limit, so that no upload rolls
    over to a temporary file. Idempotent."""
    accepted = max(int(st.get_option("server.maxUploadSize")) * 2**20 + FRAMING_BYTES, SPOOL_BYTES)
    if MultiPartParser.spool_max_size < accepted:
        MultiPartParser.spool_max_size = accepted
