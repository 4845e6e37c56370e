"""Choosing the hypervisor driver by name ([compute]/compute_driver). Apart from
``driver.py`` so the drivers import their base class and nothing imports them back."""
from compute_svc.virt import driver


def load_driver(name: str) -> driver.ComputeDriver:
    if name == 'fake':
        from compute_svc.virt import fake
        return fake.FakeDriver()
    if name == 'libvirt':
        from compute_svc.virt.libvirt import driver
        return driver.LibvirtDriver()
    raise ValueError('Unknown compute driver %r' % name)
