"""The [database] group is oslo.db's own; Nimbus sets its default URL and pool size."""
import copy

from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/nimbus.sqlite'

# Connections a process keeps open between transactions. oslo.db's default (5) is fewer
# than the threads that use the database at once (a conductor's RPC executor has
# [DEFAULT]/executor_thread_pool_size, 64, nimbus-api its [api]/threads): each
# transaction beyond the pool opened a new connection and closed it at its end, a new
# PostgreSQL backend process each time (deployed benchmark, N=100: ~550 connections
# and ~3.7 s of PostgreSQL CPU in a 20 s run). A pool opens connections only as they
# are needed at once, so it keeps what the process's busiest moment used.
MAX_POOL_SIZE = 64


def register_opts(conf):
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION, max_pool_size=MAX_POOL_SIZE)


def list_opts():
    """oslo.db's options, the sample showing Nimbus's defaults."""
    opts = []
    for opt in db_options.database_opts:
        if opt.dest == 'max_pool_size':
            opt = copy.copy(opt)
            opt.default = MAX_POOL_SIZE
        opts.append(opt)
    return {'database': opts}
