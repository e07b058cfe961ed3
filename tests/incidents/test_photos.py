"""Scene photos: only real images up to 10 MB are kept; staff who may see the incident get them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from depot.core.errors import ValidationFailed
from depot.incidents import services
from tests.incidents.conftest import incidents_state, png


@pytest.mark.parametrize("head,content_type", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
])
def test_jpeg_png_webp_and_heic_photos_are_accepted(damaged, keeper, head, content_type):
    photo = services.incident_photo_add(actor=keeper, incident=damaged,
                                        file=SimpleUploadedFile("IMG_0001", head + b"\x00" * 100))
    assert photo.content_type == content_type and photo.size == len(head) + 100


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(damaged, keeper):
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.incident_photo_add(actor=keeper, incident=damaged,
                                    file=SimpleUploadedFile("scene.jpg", b"%PDF-1.7 not a photo",
                                                            content_type="image/jpeg"))
    assert err.value.details == {"file": ["仅支持 JPEG、PNG、WebP 或 HEIC 格式的照片"]}
    assert incidents_state() == before


def test_a_photo_over_10_mb_is_refused(damaged, keeper):
    before = incidents_state()
    with pytest.raises(ValidationFailed) as err:
        services.incident_photo_add(actor=keeper, incident=damaged, file=png(size=10 * 1024 * 1024 + 1))
    assert err.value.details == {"file": ["照片不能超过10 MB"]}
    assert incidents_state() == before


def test_staff_who_may_see_the_incident_get_the_photo_and_others_do_not(damaged, keeper, specialist,
                                                                         other_specialist, client):
    photo = services.incident_photo_add(actor=keeper, incident=damaged, file=png())
    url = reverse("admin:incidents_incident_photo", args=[damaged.pk, photo.pk])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(specialist)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(other_specialist)
    assert client.get(url).status_code == 404
