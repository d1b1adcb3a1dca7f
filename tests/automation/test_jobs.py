import shutil

import pytest
from typer.testing import CliRunner

from tradepilot.automation.config import load_automation_config
from tradepilot.automation.service import list_jobs, run_job_now
from tradepilot.cli.main import app
from tradepilot.demo import IMPORTS
from tradepilot.domain.errors import DataValidationError, ImportFormatError
from tradepilot.ingest.detect import detect_format


@pytest.mark.parametrize(("key", "fmt"), IMPORTS, ids=[k for k, _ in IMPORTS])
def test_the_demo_exports_are_recognised_by_their_columns(sim_files, key, fmt):
    assert detect_format(sim_files[key]) == fmt


def test_a_file_no_format_fits_is_refused_naming_its_columns(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("colour,size\nred,M\n")

    with pytest.raises(ImportFormatError, match=r"found: colour, size\)"):
        detect_format(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[schedule]\nforecast = "0 25 * * *"\n', "job 'forecast' is malformed: '0 25"),
        ('[schedule]\nbrief = "daily"\n', "job 'brief' is malformed: 'daily'"),
        ('timezone = "Mars/Olympus"\n', "timezone must be an IANA name"),
        ("[schedule]\nlunch = 'off'\n", "lunch"),
    ],
    ids=["hour", "words", "timezone", "unknown-job"],
)
def test_a_malformed_schedule_gets_a_message_naming_the_job(tmp_path, text, message):
    (tmp_path / "automation.toml").write_text(text)

    with pytest.raises(DataValidationError, match=message):
        load_automation_config(tmp_path)


def test_jobs_list_says_which_schedule_is_malformed(tmp_path):
    home = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", "-w", str(home)]).exit_code == 0
    (home / "automation.toml").write_text('[schedule]\nrestock = "0 6 * * funday"\n')

    result = CliRunner().invoke(app, ["jobs", "list", "-w", str(home)])

    assert result.exit_code == 1
    assert "job 'restock' is malformed: '0 6 * * funday'" in result.stderr
    assert "Traceback" not in result.output


def test_the_inbox_job_imports_detected_files_and_keeps_refused_ones(
    engine, tmp_path, sim_files
):
    inbox = tmp_path / "inbox"
    (inbox / "paypal").mkdir(parents=True)
    shutil.copy(sim_files["products"], inbox / "products.csv")
    shutil.copy(sim_files["paypal_activity"], inbox / "paypal" / "activity.csv")
    (inbox / "notes.csv").write_text("colour,size\nred,M\n")
    (tmp_path / "automation.toml").write_text("[inbox]\nsettle_seconds = 0\n")

    run = run_job_now(engine, home=tmp_path, name="inbox")
    again = run_job_now(engine, home=tmp_path, name="inbox")
    listed = list_jobs(engine, home=tmp_path)

    assert run["outcome"] == "ok"
    assert sorted((i["file"], i["format"]) for i in run["detail"]["imported"]) == [
        ("activity.csv", "paypal"),
        ("products.csv", "products"),
    ]
    assert [f["file"] for f in run["detail"]["failed"]] == ["notes.csv"]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "activity.csv", "products.csv"]  # fmt: skip
    reason = (inbox / "failed" / "notes.csv.reason.txt").read_text()
    assert "no import format recognises its columns" in reason
    assert (inbox / "failed" / "notes.csv").read_text() == "colour,size\nred,M\n"
    assert again["outcome"] == "skipped"
    assert [r["id"] for r in listed["runs"]] == [again["id"], run["id"]]
    assert listed["jobs"][0]["last_run"]["id"] == again["id"]


def test_a_file_still_being_copied_waits_for_the_next_run(engine, tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "orders.csv").write_text("colour\nred\n")

    run = run_job_now(engine, home=tmp_path, name="inbox")  # settle_seconds = 10

    assert run["outcome"] == "skipped"
    assert run["detail"]["note"].startswith("1 files in")
    assert (tmp_path / "inbox" / "orders.csv").exists()


@pytest.mark.parametrize(
    ("toml", "flag", "started"),
    [(False, None, False), (True, None, True), (True, False, False),
     (False, True, True)],
    ids=["no-file", "file", "no-scheduler", "scheduler"],
)  # fmt: skip
def test_serve_starts_the_scheduler_when_automation_toml_exists(
    tmp_path, toml, flag, started
):
    from tradepilot.cli.serve import _start_jobs
    from tradepilot.config import Settings
    from tradepilot.store.engine import create_engine, migrate

    settings = Settings(home=tmp_path, database_url=None)
    if toml:
        (tmp_path / "automation.toml").write_text('[schedule]\ninbox = "off"\n')
    engine = create_engine(settings)
    migrate(engine)

    scheduler = _start_jobs(engine, settings, flag)

    assert (scheduler is not None) == started
    if scheduler is not None:
        scheduled = {j.id for j in scheduler.get_jobs()}
        everything = {"inbox", "forecast", "restock", "monitors", "brief",
                      "notifications"}  # fmt: skip
        assert scheduled == (everything - {"inbox"} if toml else everything)
        scheduler.shutdown(wait=False)
    engine.dispose()
