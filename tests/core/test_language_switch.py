"""The back office speaks Simplified Chinese by default, Unfold's own words included, and English on request."""

from django.urls import reverse

INDEX = reverse("admin:index")


def test_the_back_office_is_in_chinese_by_default_unfolds_words_included(client, supervisor):
    client.force_login(supervisor)

    page = client.get(INDEX).content.decode()

    assert '<html lang="zh-hans"' in page
    assert "客户档案" in page
    assert "搜索应用和模型…" in page
    assert "Search apps and models" not in page


def test_a_user_who_chooses_english_gets_the_english_back_office(client, supervisor):
    client.force_login(supervisor)

    response = client.post("/i18n/setlang/", {"language": "en", "next": INDEX}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in page
    assert "Customer files" in page
    assert "客户档案" not in page
    assert "Search apps and models..." in page


def test_the_language_cookie_alone_switches_to_english(client, supervisor):
    client.force_login(supervisor)
    client.cookies["django_language"] = "en"

    page = client.get(INDEX).content.decode()

    assert "Customer files" in page
    assert "Dashboard" in page
