"""Every change to incidents and delay notices: one function per use case, each in one transaction."""

from depot.incidents.services.delays import delay_notice_create, delay_update_add
from depot.incidents.services.incidents import (
    incident_assess,
    incident_close,
    incident_decide_compensation,
    incident_notify_customer,
    incident_pay,
    incident_photo_add,
    incident_post_stock,
    incident_propose_compensation,
    incident_record_scene,
    incident_register,
    incident_set_insurance,
    incident_set_liability,
    incident_void,
    recovery_open,
    recovery_record,
)

__all__ = [
    "delay_notice_create", "delay_update_add", "incident_assess", "incident_close", "incident_decide_compensation",
    "incident_notify_customer", "incident_pay", "incident_photo_add", "incident_post_stock",
    "incident_propose_compensation", "incident_record_scene", "incident_register", "incident_set_insurance",
    "incident_set_liability", "incident_void", "recovery_open", "recovery_record",
]
