"""What every Nimbus process does first: parse config, set up logging, register objects."""
import sys

from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import objects
from svc_common import service
from svc_common import stats

LOG = logging.getLogger(__name__)

_LOG_FORMAT = ('%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s '
               '[%(global_request_id)s %(request_id)s %(user_identity)s] '
               '%(instance)s%(message)s')


def setup(argv, binary):
    """Parse ``argv`` (without the program name) into CONF and prepare logging."""
    logging.register_options(CONF)
    logging.set_defaults(logging_context_format_string=_LOG_FORMAT,
                         default_log_levels=logging.get_default_log_levels() + [
                             'oslo_messaging=INFO', 'amqp=WARN', 'stevedore=WARN',
                             'oslo_policy=INFO', 'routes=WARN'])
    CONF(argv, project='nimbus', prog=binary)
    logging.setup(CONF, 'nimbus')
    service.catch_hangup()  # config files that can be read again from now on
    objects.register_all()
    stats.set_process_role(binary.replace('nimbus-', ''))
    stats.dump_on_signal()
    LOG.info('%s starting with %s', binary, ' '.join(sys.argv[1:]) or 'default options')


def init_database():
    from svc_common.db import api as db_api
    db_api.configure(CONF)


def forbid_database(binary):
    """The opposite of ``init_database``: any DB use in this process raises DBNotAllowed.

    Here rather than in the caller so compute code never imports the DB package."""
    from svc_common.db import api as db_api
    db_api.disable_db_access(binary)
