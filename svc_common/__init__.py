"""Shared code for the Nimbus API, conductor and compute services."""
from oslo_service import backend as _service_backend

# Nimbus runs on native threads. oslo.messaging consults oslo.service's backend when it
# is imported and would pick eventlet, so choose threading before anything else loads.
try:
    _service_backend.init_backend(_service_backend.BackendType.THREADING)
except _service_backend.exceptions.BackendAlreadySelected:  # pragma: no cover
    pass
