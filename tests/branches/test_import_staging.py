"""A roster between its import preview and the confirmation: only the session that previewed it
can confirm it, no posted name reads or deletes any other file, and no roster stays on disk
once the import is confirmed, fails, is replaced, or is left for longer than a session lasts."""

from __future__ import annotations

import os
import tempfile
import time
import uuid

import pytest

from branches.models import CommitteeRoleKind, Member
from branches.services import committee_role_grant
from tests import factories
from tests.branches.test_import_export import (
    MEMBER_HEADER,
    PARTNER_HEADER,
    _confirm,
    _csv_bytes,
    _preview,
)

MEMBERS = "branches/member"
GOOD_ROSTER = _csv_bytes(
    [
        MEMBER_HEADER,
        ["韩梅梅", "杭州项目公司党支部", "S-1", "女", "正式党员", "", "", "13900001111"],
    ],
    "utf-8",
)
BAD_ROSTER = _csv_bytes(
    [
        MEMBER_HEADER,
        ["李雷", "杭州项目公司党支部", "S-2", "男", "正式党员", "", "", "13900002222"],
        ["坏行", "不存在的党支部", "", "男", "正式党员", "", "", ""],
    ],
    "utf-8",
)


@pytest.fixture
def staging_dir(settings, tmp_path, monkeypatch):
    """The staging folder. The system's temporary folder (where the library's own storage put
    rosters, and where a forged name pointed) is a folder of the test's too."""
    folder = tmp_path / "staging"
    folder.mkdir()
    settings.IMPORT_STAGING_DIR = folder
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    return folder


def _files(folder) -> list[str]:
    """The rosters left on disk: in the staging folder, or in the system's temporary one."""
    system_tmp = folder.parent / "system-tmp"
    return sorted(os.listdir(folder)) + sorted(f"tmp:{name}" for name in os.listdir(system_tmp))


def test_a_forged_file_name_neither_shows_nor_deletes_the_named_file(cast, staging_dir):
    """The attack of issue 14: a committee admin names another file on the confirm step."""
    system_tmp = staging_dir.parent / "system-tmp"
    victim = system_tmp / f"victim-{uuid.uuid4().hex}.csv"
    victim.write_bytes(
        _csv_bytes([MEMBER_HEADER, ["机密人员", "别处的党支部", "", "男", "", "", "", ""]], "utf-8")
    )
    client = cast.client_for(cast.admin_a)
    for name in (f"../../tmp/{victim.name}", victim.name, f"../system-tmp/{victim.name}"):
        response = client.post(
            f"/admin/{MEMBERS}/process_import/",
            {
                "import_file_name": name,
                "original_file_name": "x.csv",
                "format": "0",
                "resource": "0",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "机密人员" not in page
        assert "not waiting for your confirmation" in page or "不在等待您确认" in page
        assert victim.exists()
    assert not Member.objects.filter(name="机密人员").exists()


def test_a_file_named_like_a_staged_one_is_refused_without_a_preview(cast, staging_dir):
    name = uuid.uuid4().hex
    planted = [staging_dir / name, staging_dir.parent / "system-tmp" / name]
    for path in planted:
        path.write_bytes(GOOD_ROSTER)
    response = cast.client_for(cast.admin_a).post(
        f"/admin/{MEMBERS}/process_import/",
        {"import_file_name": name, "original_file_name": "x.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 400
    assert all(path.exists() for path in planted)
    assert not Member.objects.filter(name="韩梅梅").exists()


def test_nobody_else_can_confirm_a_preview_staged_by_an_admin(cast, staging_dir):
    owner = cast.client_for(cast.admin_a)
    preview = _preview(owner, MEMBERS, "m.csv", GOOD_ROSTER)
    [staged] = _files(staging_dir)
    colleague = factories.UserFactory(username="admin_a_colleague")
    committee_role_grant(user=colleague, committee=cast.committee_a, role=CommitteeRoleKind.ADMIN)
    for intruder in (colleague, cast.admin_b, cast.superuser):
        response = _confirm(cast.client_for(intruder), MEMBERS, preview)
        assert response.status_code == 400
        assert "韩梅梅" not in response.content.decode()
        assert _files(staging_dir) == [staged]
    assert not Member.objects.filter(name="韩梅梅").exists()

    # Not even the same admin in another session (another browser, after logging in again).
    assert _confirm(cast.client_for(cast.admin_a), MEMBERS, preview).status_code == 400
    assert _confirm(owner, MEMBERS, preview).status_code == 302
    assert Member.objects.get(name="韩梅梅").committee == cast.committee_a
    assert _files(staging_dir) == []


def test_a_confirmation_changed_in_the_browser_is_refused(cast, staging_dir):
    client = cast.client_for(cast.admin_a)
    preview = _preview(client, MEMBERS, "m.csv", GOOD_ROSTER)
    changed = {**preview.context["confirm_form"].initial, "format": "1"}
    response = client.post(f"/admin/{MEMBERS}/process_import/", changed)
    assert response.status_code == 400
    assert len(_files(staging_dir)) == 1
    assert _confirm(client, MEMBERS, preview).status_code == 302


def test_the_roster_of_a_preview_that_fails_validation_is_not_kept(cast, staging_dir):
    preview = _preview(cast.client_for(cast.admin_a), MEMBERS, "bad.csv", BAD_ROSTER)
    assert preview.context.get("confirm_form") is None
    assert preview.context["result"].has_validation_errors()
    assert _files(staging_dir) == []


def test_an_unreadable_upload_is_not_kept(cast, staging_dir):
    preview = _preview(cast.client_for(cast.admin_a), MEMBERS, "m.xlsx", b"not a workbook", "xlsx")
    assert preview.context["form"].errors
    assert _files(staging_dir) == []


def test_a_new_preview_deletes_the_roster_it_replaces_and_only_it_can_be_confirmed(
    cast, staging_dir
):
    client = cast.client_for(cast.admin_a)
    first = _preview(client, MEMBERS, "m.csv", GOOD_ROSTER)
    second = _preview(client, MEMBERS, "m2.csv", GOOD_ROSTER)
    assert _files(staging_dir) == [second.context["confirm_form"].initial["import_file_name"]]

    assert _confirm(client, MEMBERS, first).status_code == 400
    assert _confirm(client, MEMBERS, second).status_code == 302
    assert _files(staging_dir) == []
    # Confirmed once: the same confirmation again is refused, not imported twice.
    assert _confirm(client, MEMBERS, second).status_code == 400


def test_a_confirmation_that_fails_leaves_no_roster_behind(cast, staging_dir):
    client = cast.client_for(cast.admin_a)
    preview = _preview(client, MEMBERS, "m.csv", GOOD_ROSTER)
    cast.branch_a1.name = "改名后的党支部"
    cast.branch_a1.save()
    response = _confirm(client, MEMBERS, preview)
    assert response.status_code == 200  # the rows and their problems, nothing imported
    assert not Member.objects.filter(name="韩梅梅").exists()
    assert _files(staging_dir) == []


def test_the_nightly_purge_deletes_rosters_older_than_the_longest_session(
    cast, staging_dir, settings
):
    from portal.core.tasks import staged_imports_purge

    client = cast.client_for(cast.admin_a)
    old = _preview(client, MEMBERS, "m.csv", GOOD_ROSTER).context["confirm_form"].initial
    partner_row = ["春江街道", "subdistrict", "杭州", "是", "", ""]
    partners = _csv_bytes([PARTNER_HEADER, partner_row], "utf-8")
    fresh = _preview(client, "partnerships/partnerorganisation", "p.csv", partners)
    fresh_name = fresh.context["confirm_form"].initial["import_file_name"]
    then = time.time() - (settings.SESSION_MAX_HOURS * 3600 + 60)
    os.utime(staging_dir / old["import_file_name"], (then, then))
    (staging_dir / "not-a-staged-file.txt").write_text("kept")

    assert staged_imports_purge() == 1
    assert _files(staging_dir) == sorted([fresh_name, "not-a-staged-file.txt"])


def test_a_staged_roster_deleted_meanwhile_is_a_message_not_an_error(cast, staging_dir):
    client = cast.client_for(cast.admin_a)
    preview = _preview(client, MEMBERS, "m.csv", GOOD_ROSTER)
    (staging_dir / preview.context["confirm_form"].initial["import_file_name"]).unlink()
    response = _confirm(client, MEMBERS, preview)
    assert response.status_code == 400
    assert not Member.objects.filter(name="韩梅梅").exists()
