"""Program versions: partners keep the version they started on while editors change the
files; a broken edit is never taken; a migration moves people exactly as its dry run
said, or no one at all."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.editor.migration import MigrationRefused, migrate, plan_migration
from reconnect.models import Delivery, DeliveryStatus, PartnerStatus
from reconnect.program import catalog as catalog_module
from reconnect.program.catalog import ProgramCatalog
from reconnect.runtime import Runtime
from reconnect.sending.planning import schedule_next
from reconnect.settings import PROJECT_ROOT
from tests.support.flows import ANA, BEN, deliveries, enrol, partner
from tests.support.program_edits import (
    ACK,
    NEW_SUBJECT,
    OLD_SUBJECT,
    current_version,
    edit,
    enrolled_past_welcome,
    manifest_stages,
    next_stage_email_subject,
    swap_days,
    swapped_order,
)
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def test_an_edit_registers_a_new_current_version(runtime: Runtime, program_dir: Path) -> None:
    before = current_version(runtime)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    assert current_version(runtime) != before


def test_a_partner_mid_program_keeps_getting_their_own_version(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    started_on = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    assert current_version(runtime) != started_on
    assert next_stage_email_subject(runtime, smtp_sink, clock, ANA) == OLD_SUBJECT
    assert partner(runtime, ANA).program_version_id == started_on


def test_a_partner_who_enrols_after_an_edit_gets_the_edited_version(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    enrolled_past_welcome(client, runtime, smtp_sink, clock, BEN)
    assert next_stage_email_subject(runtime, smtp_sink, clock, BEN) == NEW_SUBJECT


def test_an_edit_that_does_not_validate_is_not_taken_and_is_logged(
        runtime: Runtime, program_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    before = current_version(runtime)
    edit(program_dir, ACK, "day: 7", "day: next week")
    with caplog.at_level(logging.ERROR, logger="reconnect.program.catalog"):
        assert current_version(runtime) == before
    [record] = [r for r in caplog.records if "reload refused" in r.getMessage()]
    assert any(ACK in problem for problem in record.__dict__["problems"])


def test_a_broken_edit_is_logged_once_not_on_every_look(
        runtime: Runtime, program_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    edit(program_dir, ACK, "day: 7", "day: next week")
    with caplog.at_level(logging.ERROR, logger="reconnect.program.catalog"):
        for _ in range(3):
            runtime.programs.refresh()
    assert len([r for r in caplog.records if "reload refused" in r.getMessage()]) == 1


def test_a_fixed_edit_is_taken_after_a_broken_one(runtime: Runtime, program_dir: Path) -> None:
    before = current_version(runtime)
    edit(program_dir, ACK, "day: 7", "day: next week")
    current_version(runtime)
    edit(program_dir, ACK, "day: next week", "day: 7")
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    runtime.programs.refresh()
    version, program = runtime.programs.current("main")
    assert version != before
    assert program.stage("acknowledge").subject == NEW_SUBJECT  # type: ignore[union-attr]


def test_an_edit_whose_registration_hit_a_database_error_is_taken_at_the_next_look(
        runtime: Runtime, program_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = current_version(runtime)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    real = catalog_module._register

    def locked_once(*args: Any, **kwargs: Any) -> int:
        monkeypatch.setattr(catalog_module, "_register", real)
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(catalog_module, "_register", locked_once)
    runtime.programs.refresh()  # does not raise into the request or task
    assert runtime.programs.current("main")[0] == before
    assert current_version(runtime) != before


def test_a_process_starting_on_broken_files_serves_the_last_good_version(
        runtime: Runtime, program_dir: Path) -> None:
    good = current_version(runtime)
    edit(program_dir, ACK, "day: 7", "day: next week")
    restarted = ProgramCatalog(program_dir, "main")
    restarted.load(runtime.session_factory, runtime.clock.now())
    assert restarted.current("main")[0] == good


def test_a_process_starting_on_broken_files_with_no_good_version_refuses(
        runtime: Runtime, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.copytree(PROJECT_ROOT / "program" / "main", fresh / "never-seen")
    manifest = fresh / "never-seen" / "program.yaml"
    manifest.write_text(manifest.read_text().replace("slug: main", "slug: never-seen"))
    (fresh / "never-seen" / ACK).write_text("no front matter", encoding="utf-8")
    catalog = ProgramCatalog(fresh, "never-seen")
    with pytest.raises(Exception, match="front matter"):
        catalog.load(runtime.session_factory, runtime.clock.now())


# Migration ------------------------------------------------------------------------------

def test_a_dry_run_changes_nothing(client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
                                   clock: ManualClock, program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    before = [(d.key, d.status, d.due_at) for d in deliveries(runtime, ANA)]
    with runtime.read_session() as session:
        plan = plan_migration(runtime, session, old, current_version(runtime))
    assert [m.next_key for m in plan.moves] == ["acknowledge"]
    assert [(d.key, d.status, d.due_at) for d in deliveries(runtime, ANA)] == before
    assert partner(runtime, ANA).program_version_id == old


def test_a_migration_moves_partners_as_its_dry_run_said(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    # The new version drops the stage Ana is waiting for.
    keys = [s.key for s in runtime.programs.current("main")[1].stages]
    keys.remove("acknowledge")
    manifest_stages(program_dir, keys)
    (program_dir / "main" / ACK).unlink()
    new = current_version(runtime)
    with runtime.read_session() as session:
        dry = plan_migration(runtime, session, old, new)
    done = migrate(runtime, old, new)
    assert done == dry
    [move] = done.moves
    assert (move.waiting_key, move.next_key) == ("acknowledge", "share-without-blame")
    waiting = [d for d in deliveries(runtime, ANA) if d.status is S.SCHEDULED]
    assert [(d.key, d.position, d.due_at) for d in waiting] == \
        [("share-without-blame", 1, move.next_due_at)]
    assert partner(runtime, ANA).program_version_id == new


def test_after_a_migration_the_next_email_comes_from_the_new_version(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    migrate(runtime, old, current_version(runtime))
    assert next_stage_email_subject(runtime, smtp_sink, clock, ANA) == NEW_SUBJECT


def test_a_migration_that_would_resend_a_received_stage_is_refused_for_everyone(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    next_stage_email_subject(runtime, smtp_sink, clock, ANA)  # Ana has had acknowledge
    enrol(client, runtime, smtp_sink, BEN)  # Ben has not: he alone could move
    # Ana waits for share-without-blame; the new version sends acknowledge after it.
    manifest_stages(program_dir, swapped_order(runtime, "acknowledge", "share-without-blame"))
    swap_days(program_dir, "acknowledge", "share-without-blame")
    new = current_version(runtime)
    assert new != old
    before = {e: [(d.key, d.status, d.due_at) for d in deliveries(runtime, e)]
              for e in (ANA, BEN)}
    with pytest.raises(MigrationRefused) as refused:
        migrate(runtime, old, new)
    [refusal] = refused.value.plan.refusals
    assert refusal.partner_id == partner(runtime, ANA).id
    assert "would get 'acknowledge' again" in (refusal.refusal or "")
    assert {e: [(d.key, d.status, d.due_at) for d in deliveries(runtime, e)]
            for e in (ANA, BEN)} == before
    assert partner(runtime, BEN).program_version_id == old


def test_a_migration_that_would_reach_a_failed_stage_again_is_refused(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    ana = partner(runtime, ANA).id
    with runtime.unit_of_work() as uow:  # acknowledge failed for good; the program moved on
        uow.session.execute(update(Delivery).where(Delivery.partner_id == ana,
                                                   Delivery.key == "acknowledge")
                            .values(status=S.FAILED))
        schedule_next(runtime, uow.session, ana, 1, runtime.clock.now())
    manifest_stages(program_dir, swapped_order(runtime, "acknowledge", "share-without-blame"))
    swap_days(program_dir, "acknowledge", "share-without-blame")
    with pytest.raises(MigrationRefused) as refused:
        migrate(runtime, old, current_version(runtime))
    [refusal] = refused.value.plan.refusals
    assert "would reach 'acknowledge' again, which was failed" in (refusal.refusal or "")
    assert partner(runtime, ANA).program_version_id == old


def test_a_stage_moved_before_a_partners_place_is_skipped_and_reported(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    next_stage_email_subject(runtime, smtp_sink, clock, ANA)  # acknowledge
    # Ana waits for share-without-blame; root-cause now comes before it.
    manifest_stages(program_dir, swapped_order(runtime, "share-without-blame", "root-cause"))
    swap_days(program_dir, "share-without-blame", "root-cause")
    [move] = migrate(runtime, old, current_version(runtime)).moves
    assert (move.next_key, move.skipped) == ("share-without-blame", ("root-cause",))


def test_a_migration_is_refused_while_an_email_to_someone_is_on_its_way(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    edit(program_dir, ACK, OLD_SUBJECT, NEW_SUBJECT)
    clock.advance(timedelta(days=8))
    with runtime.unit_of_work() as uow:
        assert DeliveryRepository(uow.session).claim_due(runtime.clock.now(), 10)
    with pytest.raises(MigrationRefused) as refused:
        migrate(runtime, old, current_version(runtime))
    assert "being sent right now" in (refused.value.plan.refusals[0].refusal or "")


def test_a_partner_with_no_stage_left_in_the_new_version_completes(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        program_dir: Path) -> None:
    old = enrolled_past_welcome(client, runtime, smtp_sink, clock)
    manifest_stages(program_dir, ["welcome"])
    for path in (program_dir / "main" / "stages").glob("*.md"):
        if path.stem != "welcome":
            path.unlink()
    [move] = migrate(runtime, old, current_version(runtime)).moves
    assert move.next_key is None
    assert partner(runtime, ANA).status is PartnerStatus.COMPLETED
    assert [d.status for d in deliveries(runtime, ANA) if d.key == "acknowledge"] == \
        [S.CANCELLED]


def test_a_migration_between_two_programs_is_refused(client: TestClient, runtime: Runtime,
                                                     program_dir: Path) -> None:
    shutil.copytree(program_dir / "main", program_dir / "other")
    manifest = program_dir / "other" / "program.yaml"
    manifest.write_text(manifest.read_text().replace("slug: main", "slug: other"))
    runtime.programs.refresh()
    with pytest.raises(ValueError, match="within a program"):
        migrate(runtime, current_version(runtime), runtime.programs.current("other")[0])
