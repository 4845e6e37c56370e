"""Shared code for the Nimbus API, conductor and compute services."""
import warnings

# oslo.messaging and futurist import eventlet modules at import time and eventlet warns
# about its own deprecation then; Nimbus runs on native threads only.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from oslo_service import backend as _service_backend  # noqa: E402

# Nimbus runs on native threads. oslo.messaging consults oslo.service's backend when it
# is imported and would pick eventlet, so choose threading before anything else loads.
try:
    _service_backend.init_backend(_service_backend.BackendType.THREADING)
except _service_backend.exceptions.BackendAlreadySelected:  # pragma: no cover
    pass
