"""The back office's landing page: the numbers that exist so far, scoped to the user."""

from depot.core.dashboard_sections import collect


def dashboard_callback(request, context):
    context["depot_sections"] = collect(request)
    return context
