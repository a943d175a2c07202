"""Diamond Partners Explorer — the dashboard. Run it with `make run` (or `streamlit run app.py`)."""

import logging
import uuid

import streamlit as st

from ui import month, state
from ui.upload_spool import keep_uploads_in_memory

log = logging.getLogger("dashboard")
keep_uploads_in_memory()  # before any upload reaches the server: none is spooled to disk

st.set_page_config(page_title="Diamond Partners Explorer", layout="wide", page_icon="💎")


def _auth_required() -> bool:
    """Sign-in is on only when .streamlit/secrets.toml has an [auth] section (docs/auth.md)."""
    try:
        return st.secrets.load_if_toml_exists() and "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no or unreadable secrets: no sign-in
        return False


if _auth_required():
    if not st.user.get("is_logged_in", False):  # .get: AppTest's st.user lacks the key
        st.title("Diamond Partners Explorer")
        st.write("Sign in to use the explorer.")
        st.button("Log in", on_click=st.login, type="primary")
        st.stop()
    st.sidebar.button("Log out", on_click=st.logout)

page = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("app_pages/whatif.py", title="What-if", icon=":material/tune:"),
        st.Page("app_pages/seller.py", title="Seller check", icon=":material/person_search:"),
    ]
)

# An unexpected error shows an ID, never its text (.streamlit/config.toml: showErrorDetails = "none"); the
# traceback goes to the server log under that ID. Streamlit's stop and rerun are BaseExceptions: they pass.
try:
    state.init()
    with st.sidebar:
        st.caption("Active dataset")
        st.text(state.dataset().name)  # may hold a file name: user text, shown as plain text
        month.sidebar_picker()  # on every page, with its warnings
        st.caption("Scenario")
        st.text(state.scenario_name())
    page.run()
except Exception:  # the last line of defence: the page says sorry, the log says why
    error_id = uuid.uuid4().hex[:8]
    log.exception("unexpected error %s on page %r", error_id, page.title)
    st.error(
        f"Something went wrong (error ID {error_id}). Reload the page to start again; if it happens again, "
        "tell the team this error ID — the details are in the server log."
    )
