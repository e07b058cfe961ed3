"""CRM connectors: one class per CRM, registered by name (`depot crm-sync --connector NAME`)."""

from depot.crm.connectors.base import Connector, ConnectorError, Outcome, available, get, register
from depot.crm.connectors.fxiaoke import FxiaokeConnector
from depot.crm.connectors.zoho import ZohoConnector

register(ZohoConnector)
register(FxiaokeConnector)

__all__ = ["Connector", "ConnectorError", "Outcome", "available", "get", "register"]
