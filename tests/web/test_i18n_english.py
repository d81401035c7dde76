"""zh-hans by default, English on request: every string the templates translate has an English translation in
the compiled catalogue, and a page switched to English shows it."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

WEB = Path(__file__).parents[2] / "src" / "riskpool" / "web"
CATALOGUE = Path(__file__).parents[2] / "src" / "riskpool" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_translated_template_string_has_english():
    with CATALOGUE.with_suffix(".mo").open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    missing = []
    for template in WEB.glob("templates/**/*.html"):
        for found in re.findall(r'{%\s*(?:translate|trans)\s+"([^"]+)"', template.read_text(encoding="utf-8")):
            if catalogue.gettext(found) == found:
                missing.append(f"{template.relative_to(WEB)}: {found}")
    assert not missing, "no English for:\n" + "\n".join(missing[:50])


@pytest.mark.django_db
def test_the_login_page_in_both_languages(client):
    assert "登录" in client.get("/login/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/login/").content.decode()
    assert "Log in" in page and "User name" in page
