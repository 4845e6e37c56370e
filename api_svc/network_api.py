"""The operator's networks as the API uses them: which ones a caller may see, the
networks a new server asks for, and the addresses servers hold on them."""
import re

from oslo_utils import uuidutils

from svc_common import exception
from svc_common import objects
from svc_common.objects import network as network_obj

NONE, AUTO = 'none', 'auto'


def visible_networks(context):
    """The networks the caller may see: an admin all, others the shared ones and their
    project's own."""
    if context.is_admin:
        return objects.NetworkList.get_all(context)
    return objects.NetworkList.get_for_project(context, context.project_id)


def visible_network(context, network_id):
    """The network, if the caller may see it (NetworkNotFound otherwise)."""
    network = objects.Network.get_by_uuid(context, network_id)
    if not context.is_admin and not network.visible_to(context.project_id):
        raise exception.NetworkNotFound(network_id=network_id)
    return network


def requested_uuids(networks):
    """The network uuids a server create body's ``networks`` names: None for 'auto' (or
    nothing, or an empty list: every network the project may use), [] for 'none'.
    Invalid (400) for what only a network service could give (ports, fixed addresses)
    and for a network named twice."""
    if networks == NONE:
        return []
    if networks in (None, AUTO) or networks == []:
        return None
    uuids = []
    for item in networks:
        if item.get('port'):
            raise exception.Invalid(message='Ports are not available in this cloud: it has '
                                            'no network service.')
        if item.get('fixed_ip'):
            raise exception.Invalid(message='A fixed IP address cannot be requested: '
                                            'addresses are allocated by the cloud.')
        uuid = item.get('uuid')
        if not isinstance(uuid, str) or not uuidutils.is_uuid_like(uuid):
            raise exception.Invalid(message='Bad networks format: network uuid is not in '
                                            'proper format (%s)' % uuid)
        if uuid in uuids:
            raise exception.Invalid(message='Duplicate networks (%s) are not allowed'
                                            % uuid)
        uuids.append(uuid)
    return uuids


def networks_for_boot(context, uuids):
    """The uuids of the networks a new server of the caller's project gets addresses
    on: ``uuids`` once each is known to be one the project may use (400 for another),
    or, for None, every network the project may use."""
    if uuids is None:
        return [n.uuid for n in objects.NetworkList.get_for_project(context,
                                                                     context.project_id)]
    for uuid in uuids:
        try:
            network = objects.Network.get_by_uuid(context, uuid)
        except exception.NetworkNotFound as error:
            raise exception.Invalid(message=error.message)
        if not network.visible_to(context.project_id):
            raise exception.Invalid(message='Network %s could not be found.' % uuid)
    return list(uuids)


def addresses_of(context, instance_uuids):
    """{instance uuid: [FixedIP]} of ``instance_uuids`` in one query."""
    found = {uuid: [] for uuid in instance_uuids}
    for fixed_ip in network_obj.fixed_ips_of_instances(context, instance_uuids):
        found[fixed_ip.instance_uuid].append(fixed_ip)
    return found


def instances_with_address(context, pattern, project_id):
    """The uuids of the servers (of ``project_id``; None: of every project) with an
    address that ``pattern`` matches from its start, as Nova's ``ip`` filter."""
    try:
        regex = re.compile(pattern)
    except re.error:
        raise exception.Invalid(message='Invalid ip filter: %s is not a regular '
                                        'expression' % pattern)
    return network_obj.instances_with_address(context, lambda a: bool(regex.match(a)),
                                              project_id)
