"""The Streamlit dashboard's helpers: session state, chart builders, small widgets and exports.

Pages in ``pages/`` are thin scripts over these; business rules live in ``core``.
"""
