"""The name a hypervisor knows an instance by: ``instance-<uuid>``.

One place for it: the libvirt driver names its domains so, and the API reports it as
``OS-EXT-SRV-ATTR:instance_name``, so an operator running ``virsh`` with the name the
API gives finds the guest.
"""

PREFIX = 'instance-'


def hypervisor_name(uuid):
    return PREFIX + uuid
