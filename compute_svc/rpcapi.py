"""Client side of the compute RPC API. Every cast goes to the host that owns the work.

Version log:
    1.0 - build_and_run_instance, terminate_instance, stop_instance, start_instance,
          reboot_instance, get_console_output
"""
import oslo_messaging as messaging

from svc_common import rpc

TOPIC = 'compute'


class ComputeAPI:
    VERSION = '1.0'

    def __init__(self):
        target = messaging.Target(topic=TOPIC, version='1.0')
        self.client = rpc.get_client(target, version_cap=self.VERSION)

    def _at(self, host, version='1.0'):
        return self.client.prepare(server=host, version=version)

    def build_and_run_instance(self, ctxt, host, instance, image, request_spec):
        self._at(host).cast(ctxt, 'build_and_run_instance', instance=instance, image=image,
                            request_spec=request_spec)

    def terminate_instance(self, ctxt, instance):
        self._at(instance.host).cast(ctxt, 'terminate_instance', instance=instance)

    def stop_instance(self, ctxt, instance):
        self._at(instance.host).cast(ctxt, 'stop_instance', instance=instance)

    def start_instance(self, ctxt, instance):
        self._at(instance.host).cast(ctxt, 'start_instance', instance=instance)

    def reboot_instance(self, ctxt, instance, reboot_type):
        self._at(instance.host).cast(ctxt, 'reboot_instance', instance=instance,
                                     reboot_type=reboot_type)

    def get_console_output(self, ctxt, instance, tail_length=None):
        return self._at(instance.host).call(ctxt, 'get_console_output', instance=instance,
                                            tail_length=tail_length)
