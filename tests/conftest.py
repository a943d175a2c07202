"""Shared pytest hooks and fixtures."""

import os
from pathlib import Path

import pytest

# Debian's Chromium, which the browser tests drive through Playwright (its own download does not work here);
# the flags keep it from reaching for the network, which this machine refuses.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for every browser test: skipped without it on a developer machine, failed in CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a fixture can tell after the test whether it failed
    # (the browser tests then save a screenshot of what the page showed).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def postgres_url():
    """URL of a PostgreSQL database the scenario-store tests may wipe: the store's tables are dropped before and
    after each test. From DPE_TEST_POSTGRES_URL (.ci/run starts a server and sets it); without it the
    PostgreSQL cases are skipped locally and FAIL in CI, so CI cannot pass without running them."""

    url = os.environ.get("DPE_TEST_POSTGRES_URL", "").strip()
    if not url:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail("DPE_TEST_POSTGRES_URL is not set: .ci/run should have started PostgreSQL and set it")
        pytest.skip("no PostgreSQL: set DPE_TEST_POSTGRES_URL to run these cases (see .ci/run)")
    import sqlalchemy as sa

    from core.scenario_store import ENV_VAR, metadata, store_url

    url = store_url({ENV_VAR: url})  # a driverless postgresql:// URL gets the installed driver

    def wipe() -> None:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        try:
            metadata.drop_all(engine)
        finally:
            engine.dispose()

    wipe()
    yield url
    wipe()


@pytest.fixture(autouse=True, scope="session")
def _scenario_library_in_a_temp_file(tmp_path_factory):
    # Pages that list the scenario library never touch a developer's data/scenarios.sqlite in tests.
    if "DPE_SCENARIO_DB" not in os.environ:
        os.environ["DPE_SCENARIO_DB"] = str(tmp_path_factory.mktemp("library") / "scenarios.sqlite")
    yield
