"""Two answers of one contact at once, on PostgreSQL: the shown link and a second link of the
same contact (as the e-mailed one) posted together make one answer, the other refused as a
used link, and no deadlock (the activity is locked first, then the contact's links)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from portal.partners import services
from portal.partners.models import PartnerAnswer, PartnerLink, Verdict
from tests.conftest import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_links_of_one_contact_answered_at_once_make_one_answer(
    cast, activity, zhang, monkeypatch
):
    require_postgresql("concurrent answers need PostgreSQL (SQLite serialises them)")
    (shown,) = services.partner_links_issue(
        activity=activity, contacts=[zhang], by=cast.secretary_a1
    )
    link = shown.link
    second = PartnerLink.objects.create(
        purpose=link.purpose,
        token_hash="f" * 64,
        committee_id=link.committee_id,
        partner_id=link.partner_id,
        contact=zhang,
        activity=activity,
        created_by=link.created_by,
        expires_at=link.expires_at,
    )
    check = services.answerable_by

    def slow_check(*args):
        answerable = check(*args)
        time.sleep(1)  # both requests are inside the service at once
        return answerable

    monkeypatch.setattr(services, "answerable_by", slow_check)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(through: PartnerLink, verdict: str) -> None:
        try:
            start.wait(timeout=10)
            services.partner_answer_record(
                link=through, activity=activity, verdict=verdict, comment="人数不对"
            )
            outcomes.append("answered")
        except ValidationError:
            outcomes.append("refused")
        except Exception as error:  # a deadlock, say: the test reports it
            outcomes.append(f"{type(error).__name__}: {error}"[:200])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=answer, args=(link, Verdict.CONFIRMED)),
        threading.Thread(target=answer, args=(second, Verdict.CORRECTION)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["answered", "refused"]
    assert PartnerAnswer.objects.filter(activity=activity).count() == 1
