"""The libvirt domains of a test's compute hosts, seen from the test.

Several compute hosts share this machine's libvirtd; a host's driver owns the domains
whose disks are under its instances path (``LibvirtDriver._owns``). A domain without
disks is no one's here: it may be another test run's.
"""
import os

from compute_svc.virt.libvirt import config

URI = 'qemu:///system'
QEMU_LOG_DIR = '/var/log/libvirt/qemu'  # libvirtd's log of each domain, by domain name


def no_nics(context, instance):
    """The NICs of a guest booted by a driver alone (no database to hold addresses)."""
    return []


def drivers_for(paths):
    """{host: LibvirtDriver} on ``paths`` ({host: instances path}), to look at (and
    clean up) the domains of compute services running elsewhere."""
    from compute_svc.virt.libvirt import driver as libvirt_driver
    return {host: libvirt_driver.LibvirtDriver(instances_path=str(path), uri=URI, host=host)
            for host, path in paths.items()}


def owned(driver):
    return [guest for guest in driver._hypervisor.guests()
            if guest.file_paths() and driver._owns(guest)]


def held(drivers):
    """What each host's libvirt holds, as ``crash_checks.Snapshot(guests=...)`` reads
    it: {host: {'guests': {uuid: {'flavor': name}}}}."""
    return {host: {'guests': {guest.uuid: {
        'flavor': config.read_metadata(guest.xml()).get('flavor')}
        for guest in owned(driver)}} for host, driver in drivers.items()}


def destroy_all(drivers):
    """Stop and undefine every domain of these drivers: no domain of a test may outlive
    it, whatever the test left."""
    for driver in drivers:
        try:
            for guest in owned(driver):
                guest.destroy()
                guest.undefine()
        except Exception as error:  # report, and let the caller clean up the rest
            print('could not clean the guests of %s: %s' % (driver.host, error))


def power_cuts(uuid):
    """How many times libvirt stopped the instance's guest hard (a destroy) instead of
    the guest powering itself off, by libvirtd's log of its domain."""
    path = os.path.join(QEMU_LOG_DIR, config.domain_name(uuid) + '.log')
    with open(path, errors='replace') as log:
        return log.read().count('shutting down, reason=destroyed')
