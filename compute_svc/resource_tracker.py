"""Reports this host's inventory (not its usage: usage is the claims in SQL)."""
from svc_common.conf import CONF
from svc_common import objects


class ResourceTracker:

    def __init__(self, host, driver):
        self.host = host
        self.driver = driver
        self.compute_node = None

    def update_available_resource(self, context):
        resources = self.driver.get_available_resource()
        node = objects.ComputeNode(
            context=context, host=self.host,
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
        node.update_inventory()
        self.compute_node = node
        return node
