"""Data: upload accounts and revenue or go back to the sample, get templates (the as-of month is in the sidebar)."""

import streamlit as st

from ui import components, state

# .gz: a gzipped CSV (revenue.csv.gz); .zip: a zip holding one CSV or Parquet file (core.compressed).
UPLOAD_TYPES = ["csv", "gz", "zip", "parquet", "xlsx"]

st.title("Data")

dataset = state.dataset()
st.caption("Active dataset")
st.text(dataset.name)  # file names are user text: plain text only
a, b, c = st.columns(3)
a.metric("Accounts", components.count_text(len(dataset.accounts)))
b.metric("Companies (NIPs)", components.count_text(dataset.company_count))
c.metric("Revenue rows", components.count_text(dataset.revenue_row_count))
loaded = state.take_upload_note()
if loaded:
    st.success(loaded)

if not state.months():
    st.warning("The revenue table is empty: no company can pass the revenue criterion.")
else:
    st.caption("Pick the as-of month in the sidebar; it applies to every page.")

st.subheader("Upload your data")
st.caption(
    "Accounts and revenue as CSV, Parquet or Excel — or one Excel workbook with the sheets "
    "'accounts' and 'revenue'. Uploads stay in this browser session only; nothing is stored on the server."
)
st.caption(
    "Large data (hundreds of thousands of accounts): Parquet compressed with zstd is best — the smallest upload "
    "and the fastest to read. A CSV may be uploaded gzipped (.csv.gz) or zipped (.zip holding that one file). "
    "Up to 500 MB per file, unpacked size included."
)
left, right = st.columns(2)
# After an upload is used its files are dropped from the server (ui.state), so the uploaders start empty again:
# a new key per upload made active.
version = f"_{state.upload_count()}" if state.upload_count() else ""
accounts_file = left.file_uploader(
    "Accounts (or a workbook with both sheets)", type=UPLOAD_TYPES, key=f"upload_accounts{version}"
)
revenue_file = right.file_uploader("Revenue", type=UPLOAD_TYPES, key=f"upload_revenue{version}")
workbook = accounts_file is not None and accounts_file.name.lower().endswith(".xlsx") and revenue_file is None
ready = accounts_file is not None and (revenue_file is not None or workbook)

buttons = st.container(horizontal=True)
if buttons.button("Use the uploaded data", type="primary", disabled=not ready, key="load_upload"):
    if state.try_activate_upload(accounts_file, revenue_file) is None:
        st.rerun()
buttons.button("Back to the sample data", on_click=state.use_sample, disabled=state.is_sample(), key="use_sample")

error = state.upload_error()
if error is not None:
    components.problems_table(error)

st.subheader("Templates and sample")
row = st.container(horizontal=True)
for file_name, label in zip(
    state.TEMPLATE_FILES + state.SAMPLE_FILES,
    ("Empty accounts template", "Empty revenue template", "Sample accounts", "Sample revenue"),
    strict=True,
):
    path = state.SAMPLE_DIR / file_name
    if path.exists():
        row.download_button(
            f"⬇ {label}",
            path.read_bytes(),
            file_name=file_name,
            mime="text/csv",
            key=f"dl_{file_name}",
            on_click="ignore",
        )

with st.expander("Preview of the active data"):
    st.caption("Accounts (first 200 rows)")
    components.dataframe(dataset.accounts.head(200))
    st.caption("Revenue (first 200 rows)")
    preview = dataset.revenue_frame(slice(0, 200)).assign(month=lambda f: f["month"].astype(str))
    components.dataframe(preview, {"revenue": components.money("Revenue")})
