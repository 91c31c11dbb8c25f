"""Evidence packs: a quarter's approved activities of a branch (a secretary) or a committee
(staff) in one zip, foldered branch / activity, made by a task with progress; nothing from
another branch or committee; safe names; size bounded; deleted when expired."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from activities.models import Attachment
from portal.core.periods import Period
from portal.records.models import EvidencePack, EvidencePackStatus
from portal.records.services import evidence_packs_purge
from tests import factories
from tests.records.conftest import PDF, PHOTO, SHANGHAI, SIGN_IN, jpeg, logged_activity

QUARTER = Period.quarter(dt.date(2026, 7, 1))  # Q3 2026: over (the machine's today is later)


def at(day: int, month: int = 8, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def quarter(cast):
    """Q3 2026 of committee A (and B): what each pack may and may not hold."""
    a1 = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="安全生产联学",
        starts_at=at(5),
        files=[("会场.jpg", jpeg(), PHOTO), ("签到表.pdf", PDF, SIGN_IN)],
    )
    # The same date and title twice: two folders, told apart.
    twin = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="安全生产联学",
        starts_at=at(5, hour=15),
        files=[("会场.jpg", jpeg((0, 0, 200)), PHOTO), ("会场.jpg", jpeg((0, 200, 0)), PHOTO)],
    )
    # A title and file name made to climb out of the folder when unpacked.
    climbing = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="../../etc/passwd",
        starts_at=at(9),
        files=[("..\\..\\evil.jpg", jpeg(), PHOTO)],
    )
    a2 = logged_activity(
        cast,
        branch=cast.branch_a2,
        title="宿迁项目组织生活会",
        starts_at=at(12),
        files=[("宿迁合影.jpg", jpeg(), PHOTO)],
        by=cast.secretary_a2,
    )
    committee_level = logged_activity(
        cast, branch=None, title="党委专题党课", starts_at=at(20), files=[], by=cast.staff_a
    )
    draft = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="草稿活动",
        starts_at=at(6),
        approved=False,
        files=[("草稿.jpg", jpeg(), PHOTO)],
    )
    other_quarter = logged_activity(
        cast,
        branch=cast.branch_a1,
        title="十月的活动",
        starts_at=at(8, month=10),
        files=[("十月.jpg", jpeg(), PHOTO)],
    )
    foreign = logged_activity(
        cast, branch=cast.branch_b1, title="外单位联建活动", starts_at=at(5), files=[]
    )
    return {
        "a1": a1,
        "twin": twin,
        "climbing": climbing,
        "a2": a2,
        "committee_level": committee_level,
        "draft": draft,
        "other_quarter": other_quarter,
        "foreign": foreign,
    }


@pytest.fixture(autouse=True)
def _tasks_in_process(tasks_in_process):
    """The pack's task runs in this process (``tasks_in_process``)."""


def ask(client, scope: str, capture, quarter_start: dt.date = QUARTER.start):
    """POST the evidence form; the task runs when the request's transaction commits."""
    with capture(execute=True):
        return client.post(
            reverse("records:evidence"), {"scope": scope, "quarter": quarter_start.isoformat()}
        )


def unpacked(client, pack: EvidencePack) -> dict[str, bytes]:
    response = client.get(reverse("records:pack_download", args=[pack.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("portal.records.views.local_today", lambda: dt.date(2026, 12, 7))
    monkeypatch.setattr("portal.records.services.local_today", lambda: dt.date(2026, 12, 7))


def test_a_secretary_packs_their_branch_quarter_into_activity_folders(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.secretary_a1)

    response = ask(client, f"b{cast.branch_a1.pk}", django_capture_on_commit_callbacks)

    pack = EvidencePack.objects.get()
    assert response.url == reverse("records:pack", args=[pack.pk])
    assert pack.status == EvidencePackStatus.READY
    assert (pack.activities_done, pack.activity_total) == (3, 3)
    files = unpacked(client, pack)
    folders = {name.rsplit("/", 1)[0] for name in files}
    assert folders == {
        "杭州项目公司党支部/2026-08-05 安全生产联学",
        "杭州项目公司党支部/2026-08-05 安全生产联学 (2)",
        "杭州项目公司党支部/2026-08-09 .._.._etc_passwd",  # one segment: it climbs nowhere
    }
    first = "杭州项目公司党支部/2026-08-05 安全生产联学"
    assert files[f"{first}/一事一档-2026-08-05 安全生产联学.pdf"].startswith(b"%PDF")
    assert files[f"{first}/签到表.pdf"] == PDF
    twin = f"{first} (2)"
    assert {f"{twin}/会场.jpg", f"{twin}/会场 (2).jpg"} <= set(files)
    stored = Attachment.objects.get(activity=quarter["a1"], kind=PHOTO).file
    assert files[f"{first}/会场.jpg"] == stored.read()


def test_a_pack_holds_nothing_of_drafts_other_quarters_branches_or_committees(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.secretary_a1)
    ask(client, f"b{cast.branch_a1.pk}", django_capture_on_commit_callbacks)

    names = "\n".join(unpacked(client, EvidencePack.objects.get()))

    for absent in ("草稿", "十月", "宿迁", "外单位", "党委专题党课"):
        assert absent not in names


def test_every_name_in_the_zip_stays_inside_its_folder(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.secretary_a1)
    ask(client, f"b{cast.branch_a1.pk}", django_capture_on_commit_callbacks)

    for name in unpacked(client, EvidencePack.objects.get()):
        parts = name.split("/")
        assert not name.startswith("/")
        assert "\\" not in name
        assert ".." not in parts
        assert ":" not in name
        assert len(parts) == 3  # branch / activity / file


def test_staff_pack_the_whole_committee_by_branch(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.staff_a)

    ask(client, f"c{cast.committee_a.pk}", django_capture_on_commit_callbacks)

    pack = EvidencePack.objects.get()
    tops = {name.split("/", 1)[0] for name in unpacked(client, pack)}
    assert tops == {"杭州项目公司党支部", "宿迁项目公司党支部", "投资公司党委"}
    assert pack.activity_total == 5


def test_a_secretary_cannot_pack_another_branch_and_nothing_is_made(
    cast, quarter, today, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"
    client = cast.client_for(cast.secretary_a2)

    branch = ask(client, f"b{cast.branch_a1.pk}", django_capture_on_commit_callbacks)
    committee = ask(client, f"c{cast.committee_a.pk}", django_capture_on_commit_callbacks)

    assert branch.status_code == committee.status_code == 200
    assert "Select a valid choice" in branch.content.decode()
    assert not EvidencePack.objects.exists()


def test_a_pack_is_its_requesters_only(cast, quarter, today, django_capture_on_commit_callbacks):
    ask(
        cast.client_for(cast.secretary_a1),
        f"b{cast.branch_a1.pk}",
        django_capture_on_commit_callbacks,
    )
    pack = EvidencePack.objects.get()

    for user in (cast.secretary_a2, cast.staff_a, cast.admin_b):
        client = cast.client_for(user)
        assert client.get(reverse("records:pack", args=[pack.pk])).status_code == 404
        assert client.get(reverse("records:pack_download", args=[pack.pk])).status_code == 404
    anonymous = cast.client_for(None).get(reverse("records:pack_download", args=[pack.pk]))
    assert anonymous.status_code == 302


def test_a_former_secretary_can_no_longer_download_their_pack(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    ask(
        cast.client_for(cast.secretary_a1),
        f"b{cast.branch_a1.pk}",
        django_capture_on_commit_callbacks,
    )
    pack = EvidencePack.objects.get()
    EvidencePack.objects.filter(pk=pack.pk).update(requested_by=cast.former_secretary_a1)

    client = cast.client_for(cast.former_secretary_a1)
    assert client.get(reverse("records:pack_download", args=[pack.pk])).status_code == 404


def test_the_pack_page_shows_progress_while_it_is_made(cast, quarter, today):
    pack = EvidencePack.objects.create(
        committee=cast.committee_a,
        branch=cast.branch_a1,
        period_kind=QUARTER.kind,
        period_start=QUARTER.start,
        period_end=QUARTER.end,
        requested_by=cast.secretary_a1,
        status=EvidencePackStatus.RUNNING,
        activities_done=1,
        activity_total=4,
    )

    page = cast.client_for(cast.secretary_a1).get(reverse("records:pack", args=[pack.pk]))

    html = page.content.decode()
    assert "已打包 1 / 4 项活动" in html
    assert 'http-equiv="refresh"' in html
    assert reverse("records:pack_download", args=[pack.pk]) not in html


def test_a_period_whose_files_are_too_large_is_refused_with_a_message(
    cast, quarter, today, django_capture_on_commit_callbacks, settings
):
    settings.EVIDENCE_PACK_MAX_MB = 1
    Attachment.objects.filter(activity=quarter["a1"]).update(size=2 * 1024 * 1024)

    response = ask(
        cast.client_for(cast.secretary_a1),
        f"b{cast.branch_a1.pk}",
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 200
    assert "合计超过 1 MB" in response.content.decode()
    assert not EvidencePack.objects.exists()


def test_asking_twice_while_it_is_made_makes_one_pack(cast, quarter, today):
    client = cast.client_for(cast.secretary_a1)
    data = {"scope": f"b{cast.branch_a1.pk}", "quarter": QUARTER.start.isoformat()}

    first = client.post(reverse("records:evidence"), data)  # the task waits for the commit
    second = client.post(reverse("records:evidence"), data)

    assert first.url == second.url
    assert EvidencePack.objects.count() == 1


def test_an_expired_pack_and_its_file_are_deleted(
    cast, quarter, today, django_capture_on_commit_callbacks
):
    ask(
        cast.client_for(cast.secretary_a1),
        f"b{cast.branch_a1.pk}",
        django_capture_on_commit_callbacks,
    )
    pack = EvidencePack.objects.get()
    name = pack.file.name
    assert default_storage.exists(name)

    kept = evidence_packs_purge(now=pack.expires_at - dt.timedelta(minutes=1))
    purged = evidence_packs_purge(now=pack.expires_at + dt.timedelta(minutes=1))

    assert (kept, purged) == (0, 1)
    assert not default_storage.exists(name)
    assert not EvidencePack.objects.exists()


def test_the_evidence_page_offers_the_scopes_of_the_user_only(cast, today):
    secretary = cast.client_for(cast.secretary_a1).get(reverse("records:evidence"))
    staff = cast.client_for(cast.staff_a).get(reverse("records:evidence"))

    options = secretary.content.decode()
    assert "杭州项目公司党支部" in options
    assert "宿迁项目公司党支部" not in options
    assert "投资公司党委（全部党支部）" in staff.content.decode()
    assert "宿迁项目公司党支部" in staff.content.decode()
    assert "2026年第3季度" in options


def test_the_activity_list_links_to_the_evidence_page(cast):
    page = cast.client_for(cast.secretary_a1).get(reverse("activities:list"))

    assert reverse("records:evidence") in page.content.decode()


def test_a_login_without_an_office_is_refused_and_anonymous_sent_to_log_in(cast, quarter, today):
    client = cast.client_for(factories.UserFactory(username="no_office"))
    data = {"scope": f"c{cast.committee_a.pk}", "quarter": QUARTER.start.isoformat()}

    page = client.get(reverse("records:evidence"))
    posted = client.post(reverse("records:evidence"), data)
    anonymous = cast.client_for(None).get(reverse("records:evidence"))

    assert page.status_code == posted.status_code == 403
    assert "没有可打包佐证材料" in page.content.decode()
    assert not EvidencePack.objects.exists()
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))


def test_a_pack_that_stopped_without_finishing_does_not_block_asking_again(cast, quarter, today):
    client = cast.client_for(cast.secretary_a1)
    data = {"scope": f"b{cast.branch_a1.pk}", "quarter": QUARTER.start.isoformat()}
    client.post(reverse("records:evidence"), data)
    EvidencePack.objects.update(
        status=EvidencePackStatus.RUNNING, requested_at=timezone.now() - dt.timedelta(hours=3)
    )

    client.post(reverse("records:evidence"), data)

    dead, new = EvidencePack.objects.order_by("pk")
    assert dead.status == EvidencePackStatus.FAILED
    assert dead.error == "打包中途停止，未能完成。"
    assert new.status == EvidencePackStatus.QUEUED
