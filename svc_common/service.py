"""Running a service process: register it, serve its RPC topic, run its periodic tasks,
and stop gracefully (finish in-flight messages) on SIGTERM.

A service that starts while the broker, the conductor or the database is unavailable
waits for it (logging "waiting for ...") instead of exiting; once running, oslo.messaging
and oslo.db reconnect by themselves, and a step that meets an outage stops where it is
(``is_unavailable``) for the reconciler to send again.
"""
import gc
import logging as std_logging
import os
import signal
import sys
import threading
import time

from oslo_db import exception as db_exc
import oslo_messaging as messaging
from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common.objects import base as obj_base
from svc_common import rpc
from svc_common import stats
from oslo_service import loopingcall

LOG = logging.getLogger(__name__)

# "Something this process needs is unavailable right now", as opposed to "this operation
# failed": a call to the conductor that got no answer (conductor or broker down), the
# database unreachable here or, for a compute, in the conductor (DatabaseUnavailable
# crosses RPC as itself).
UNAVAILABLE = (messaging.MessagingTimeout, messaging.MessageDeliveryFailure,
               db_exc.DBConnectionError, exception.DatabaseUnavailable)
MAX_WAIT_INTERVAL = 30


def is_unavailable(error):
    """Whether ``error`` means a dependency is down, so that the step meeting it should
    stop without rolling back or failing the instance: what it did is in SQL, and the
    reconciler (or start-up recovery) sends it again once the dependency is back."""
    return isinstance(error, UNAVAILABLE)


def _dependency(error):
    if isinstance(error, (db_exc.DBConnectionError, exception.DatabaseUnavailable)):
        return 'the database'
    return 'the conductor and the message broker'


def wait_for_dependencies(what, function, *args, **kwargs):
    """Run ``function`` until it stops failing with an ``UNAVAILABLE`` error, waiting
    longer between attempts (1 s, doubling, at most MAX_WAIT_INTERVAL); its result."""
    interval = 1
    while True:
        try:
            return function(*args, **kwargs)
        except UNAVAILABLE as error:
            LOG.warning('%s: waiting for %s (%s: %s); retrying in %ss', what,
                        _dependency(error), type(error).__name__,
                        str(error).splitlines()[0] if str(error) else '', interval)
            time.sleep(interval)
            interval = min(interval * 2, MAX_WAIT_INTERVAL)


def register(context, host, binary, topic):
    """The Service record of (host, binary), created on first start; one heartbeat."""
    try:
        ref = objects.Service.get_by_host_and_binary(context, host, binary)
    except exception.ServiceNotFound:
        ref = objects.Service(context=context, host=host, binary=binary, topic=topic)
        try:
            ref.create()
        except exception.ServiceExists:
            ref = objects.Service.get_by_host_and_binary(context, host, binary)
    ref.heartbeat()
    return ref


def heartbeat_reply_timeout():
    """Seconds a heartbeat waits for the conductor: half of service_down_time, and at
    least one report_interval."""
    return max(CONF.report_interval, CONF.service_down_time // 2)


class Service:

    def __init__(self, binary, topic, manager, host=None):
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.host = host or CONF.host
        self.service_ref = None
        self.rpcserver = None
        self._timers = []
        self._stopped = threading.Event()

    def start(self):
        """Register, prepare the manager, serve RPC, recover; each step that needs the
        conductor or the database waits for it rather than failing the start."""
        context = nimbus_context.get_admin_context()
        self.service_ref = wait_for_dependencies(
            'Registering %s on %s' % (self.binary, self.host), register, context,
            self.host, self.binary, self.topic)
        if hasattr(self.manager, 'init_host'):  # the service's own work (its role)
            with stats.role(self.topic):
                wait_for_dependencies('Preparing %s' % self.host, self.manager.init_host)
        target = messaging.Target(topic=self.topic, server=self.host)
        self.rpcserver = rpc.get_server(target, [self.manager])
        self.rpcserver.start()
        if hasattr(self.manager, 'after_start'):
            with stats.role(self.topic):
                wait_for_dependencies('Recovering %s' % self.host, self.manager.after_start)
        tasks = [(CONF.report_interval, self.heartbeat)]
        if hasattr(self.manager, 'periodic_tasks'):
            tasks += self.manager.periodic_tasks()
        for interval, task in tasks:
            timer = loopingcall.FixedIntervalLoopingCall(self._guarded(task, self.topic))
            timer.start(interval=interval, initial_delay=interval)
            self._timers.append(timer)
        LOG.info('%s started on %s (topic %s)', self.binary, self.host, self.topic)

    @staticmethod
    def _guarded(task, role):
        def run():
            try:
                with stats.role(role):
                    task()
            except UNAVAILABLE as error:  # an outage: one line, not a traceback a second
                LOG.warning('Periodic task %s: waiting for %s (%s)',
                            getattr(task, '__name__', task), _dependency(error),
                            type(error).__name__)
            except Exception:
                LOG.exception('Periodic task %s failed', getattr(task, '__name__', task))
        return run

    def heartbeat(self):
        # Where objects go through the conductor (a compute), the heartbeat is a cast
        # the conductor folds with the others into one write; a conductor too old for
        # that gets the call below.
        api = obj_base.NimbusObject.indirection_api
        if api is not None and getattr(api, 'can_cast_heartbeats', bool)():
            api.service_heartbeat(nimbus_context.get_admin_context(), self.service_ref.id)
            return
        # A heartbeat taken by a conductor that then died gets no reply: give up on it
        # well before the service would count as down, and send the next one.
        with rpc.reply_timeout(heartbeat_reply_timeout()):
            self.service_ref.heartbeat()

    def stop(self):
        """Stop taking messages and stop periodic tasks; ``wait()`` lets in-flight
        handlers finish. Split so that several services stop in parallel."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        for timer in self._timers:
            timer.stop()
        if self.rpcserver is not None:
            self.rpcserver.stop()

    def wait(self, timeout=None):
        """Wait for in-flight handlers (at most ``timeout`` seconds; None waits as long
        as they take). Returns False when handlers were still running at the timeout."""
        finished = True
        if self.rpcserver is not None:
            waiter = threading.Thread(target=self.rpcserver.wait, daemon=True,
                                      name='%s-drain' % self.binary)
            waiter.start()
            waiter.join(timeout)
            finished = not waiter.is_alive()
            if not finished:
                LOG.warning('%s: in-flight work still running after %ss; exiting anyway',
                            self.binary, timeout)
            self.rpcserver = None
            if hasattr(self.manager, 'cleanup_host'):
                self.manager.cleanup_host()
            LOG.info('%s on %s stopped', self.binary, self.host)
        return finished


def stop_all(services, timeout=None):
    """Stop taking work everywhere, then drain each service within ``timeout``."""
    for service in services:
        service.stop()
    for service in services:
        service.wait(timeout)


# Signals caught and not yet acted on, and what wakes ``wait_for_signal`` for them.
_caught: set = set()
_wake = threading.Event()


def _catch(signum, frame):
    _caught.add(signum)
    _wake.set()


def catch_hangup():
    """Keep a SIGHUP for ``wait_for_signal`` from now on instead of dying of it (its
    default action). Called at start-up: a reload asked for while the process starts
    (as soon as it says it has started, say) is then done once it waits."""
    signal.signal(signal.SIGHUP, _catch)


def wait_for_signal():
    """Block until SIGTERM or SIGINT arrives (the process has started: what it made so
    far lives as long as it does, see ``keep_started_objects``). A SIGHUP meanwhile
    (``systemctl reload``), or caught since ``catch_hangup``, reads the configuration
    files again (``reload_config``) instead of ending the process."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _catch)
    keep_started_objects()
    while True:
        _wake.wait(1.0)
        _wake.clear()
        if signal.SIGHUP in _caught:
            _caught.discard(signal.SIGHUP)
            reload_config()
        if _caught:
            LOG.info('Signal %s received: stopping', min(_caught))
            _caught.clear()
            return


RELOADED = 'Configuration files read again'


def reload_config(conf=CONF):
    """Read the configuration files again: the options marked mutable take their new
    values (oslo.config logs each change, and oslo.log applies [DEFAULT]/debug); the
    others keep theirs (oslo.config warns of any that changed). Files that cannot be
    read leave every option as it was. Returns {(group, name): (old, new)}, or None
    when nothing was read."""
    try:
        changed = conf.mutate_config_files()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - argparse exits on bad files
        LOG.error('Configuration files not read again, every option kept: %s', error)
        return None
    LOG.info('%s: %d mutable option(s) changed', RELOADED, len(changed))
    return changed


def keep_started_objects():
    """Move the objects made until now (modules, the ORM's mappings, the options, the
    policy rules: some 185,000 in an all-in-one) out of the garbage collector's
    generations, for the process's life: a full collection no longer walks them all
    (84 ms to 5 ms each in an all-in-one lifecycle run), which stopped every thread."""
    gc.collect()
    gc.freeze()


def run_until_signalled(services):
    """Block until SIGTERM or SIGINT, then stop ``services`` gracefully."""
    wait_for_signal()
    stop_all(services, timeout=CONF.graceful_shutdown_timeout or None)


def end_process(status=0):
    """End the process, its services stopped. A thread still in a periodic task (a
    call waiting for the reply of a conductor that went away, say) or in a handler past
    the graceful timeout would otherwise hold it until that ends: the executors join
    their threads at exit (oslo_service's looping calls and oslo.messaging's run on
    futurist's, which does). Their work is left as a crash would leave it, which every
    step is made to survive. The RPC connections are closed and the logs flushed
    first."""
    try:
        rpc.cleanup()
    except Exception:  # noqa: BLE001 - closing connections on the way out
        LOG.exception('Closing the RPC connections failed')
    std_logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
