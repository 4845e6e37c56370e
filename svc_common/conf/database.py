"""The [database] group is oslo.db's own; Nimbus only sets its default URL."""
from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/nimbus.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    return {'database': db_options.database_opts}
