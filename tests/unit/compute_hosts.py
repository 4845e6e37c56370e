"""Compute hosts for scheduler unit tests: a node with inventory and an up service."""
from svc_common import objects
from svc_common import service as service_mod


def add_host(ctx, host, vcpus=4, memory_mb=4096, local_gb=100):
    node = objects.ComputeNode(context=ctx, host=host, hypervisor_hostname=host,
                               hypervisor_type='fake', vcpus=vcpus, memory_mb=memory_mb,
                               local_gb=local_gb, cpu_allocation_ratio=1.0,
                               ram_allocation_ratio=1.0, disk_allocation_ratio=1.0,
                               reserved_host_memory_mb=0)
    node.update_inventory()
    service_mod.register(ctx, host, 'nimbus-compute', 'compute')
    return node
