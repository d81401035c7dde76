"""The claim forms parse their body under the upload checks first, then check CSRF: a post without the token
is 403 and writes nothing; with it, the claim is submitted."""

import re

import pytest

from riskpool.claims.models import Claim

from test_claims_support import claim_world, counts, files_on_disk, login, media, submission, submit_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_post_without_the_csrf_token_is_refused(media):
    w, loan, p = claim_world()
    client = login("kz-bank", username="csrf-clerk", csrf=True)
    before = counts()
    assert client.post(submit_url(), submission()).status_code == 403
    assert counts() == before and files_on_disk(media) == []

    page = client.get(submit_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    r = client.post(submit_url(), submission(csrfmiddlewaretoken=token))
    assert r.status_code == 302 and Claim.objects.count() == 1
