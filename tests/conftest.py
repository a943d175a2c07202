"""Shared pytest hooks."""

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a fixture can tell after the test whether it failed
    # (the browser tests then save a screenshot of what the page showed).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
