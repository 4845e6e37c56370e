"""Default flavors: what ``nimbus-manage flavor create-defaults`` and the all-in-one add."""
from svc_common import exception
from svc_common import objects

# flavorid, name, vcpus, memory_mb, root_gb
DEFAULT_FLAVORS = (
    ('1', 'm1.tiny', 1, 512, 1),
    ('2', 'm1.small', 1, 2048, 20),
    ('3', 'm1.medium', 2, 4096, 40),
    ('4', 'm1.large', 4, 8192, 80),
    ('5', 'm1.xlarge', 8, 16384, 160),
    ('6', 'm1.nano', 1, 128, 1),
    ('7', 'm1.micro', 1, 192, 2),
)


def create_default_flavors(context):
    """Create each default flavor that is missing; returns the names created."""
    created = []
    for flavorid, name, vcpus, memory_mb, root_gb in DEFAULT_FLAVORS:
        flavor = objects.Flavor(context=context, flavorid=flavorid, name=name, vcpus=vcpus,
                                memory_mb=memory_mb, root_gb=root_gb)
        try:
            flavor.create()
            created.append(name)
        except exception.FlavorExists:
            pass
    return created
