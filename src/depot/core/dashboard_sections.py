"""Apps register functions that return dashboard sections (title, KPI cards, tables)."""

_providers = []


def register(provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def collect(request) -> list[dict]:
    sections = []
    for provider in _providers:
        section = provider(request)
        if section:
            sections.append(section)
    return sections
