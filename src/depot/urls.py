from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from depot.api.main import api

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("depot.portal.urls")),
    path("s/", include("depot.surveys.urls")),
]
