"""The admin with the import page mounted where `customers/admin.py` mounts it, for tests that must
run whether or not the customer admin is registered: any model without an admin gets a stand-in
change-list URL, so that the sidebar and the redirect after an import can be reversed."""

from django.apps import apps
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from depot.customers import import_views


def _stand_in(request, **kwargs):
    return HttpResponse()


_admin_urls, _app_name, _namespace = admin.site.urls
_patterns = [
    path("customers/customer/import/", admin.site.admin_view(import_views.customer_import_view),
         name="customers_customer_import"),
    *_admin_urls,
    path("<str:app_label>/", _stand_in, name="app_list"),
]
for _model in apps.get_models():
    if not admin.site.is_registered(_model):
        _label, _name = _model._meta.app_label, _model._meta.model_name
        _patterns.append(path(f"{_label}/{_name}/", _stand_in, name=f"{_label}_{_name}_changelist"))

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", include((_patterns, _app_name), namespace=_namespace)),
]
