"""Reports this host's inventory (not its usage: usage is the claims in SQL).

Only a change is sent: a periodic report that finds the inventory as last reported
costs nothing, except once every ``FULL_REPORT_EVERY`` periods, which re-sends it
anyway (it recreates a node row removed meanwhile, and rewrites one edited by hand).
"""
from svc_common.conf import CONF
from svc_common import objects

FULL_REPORT_EVERY = 10


class ResourceTracker:

    def __init__(self, host, driver):
        self.host = host
        self.driver = driver
        self.compute_node = None
        self._reported = None  # the inventory last written
        self._unchanged = 0  # periods since, that found it unchanged

    def _inventory(self):
        resources = self.driver.get_available_resource()
        return dict(
            hypervisor_hostname=resources.hypervisor_hostname,
            hypervisor_type=resources.hypervisor_type,
            hypervisor_version=resources.hypervisor_version,
            host_ip=resources.host_ip, vcpus=resources.vcpus,
            memory_mb=resources.memory_mb, local_gb=resources.local_gb,
            cpu_allocation_ratio=CONF.compute.cpu_allocation_ratio,
            ram_allocation_ratio=CONF.compute.ram_allocation_ratio,
            disk_allocation_ratio=CONF.compute.disk_allocation_ratio,
            reserved_host_memory_mb=CONF.compute.reserved_host_memory_mb,
            reserved_host_disk_mb=CONF.compute.reserved_host_disk_mb)

    def update_available_resource(self, context):
        inventory = self._inventory()
        if inventory == self._reported and self._unchanged + 1 < FULL_REPORT_EVERY:
            self._unchanged += 1
            return self.compute_node
        node = objects.ComputeNode(context=context, host=self.host, **inventory)
        node.update_inventory()
        self.compute_node, self._reported, self._unchanged = node, inventory, 0
        return node
