"""GET /servers/{id}/diagnostics: the hypervisor's counters of a running server, in the
standard shape from microversion 2.48, before it in the flat per-driver shape of Nova's
libvirt driver (cpu<N>_time, memory in KiB, <disk>_read, ... per disk)."""
from api_svc.handlers import servers
from api_svc.policies import server_diagnostics as policies
from api_svc import request as api_request


def _legacy(diagnostics):
    body = {'cpu%d_time' % cpu['id']: cpu['time'] for cpu in diagnostics['cpu_details']}
    maximum = diagnostics['memory_details']['maximum']
    body['memory'] = maximum * 1024 if maximum is not None else None
    for index, disk in enumerate(diagnostics['disk_details']):
        name = disk.get('name') or 'disk%d' % index
        body.update({'%s_read' % name: disk['read_bytes'],
                     '%s_read_req' % name: disk['read_requests'],
                     '%s_write' % name: disk['write_bytes'],
                     '%s_write_req' % name: disk['write_requests'],
                     '%s_errors' % name: disk['errors_count']})
    return body


def _standard(diagnostics):
    body = dict(diagnostics)
    body['disk_details'] = [{k: v for k, v in disk.items() if k != 'name'}
                            for disk in diagnostics['disk_details']]
    return body


def show(req, server_id):
    instance = servers.get_readable(req, server_id, policies.SHOW)
    diagnostics = req.services.compute_api.diagnostics(req.context, instance)
    view = _standard if req.version.matches('2.48') else _legacy
    return api_request.json_response(view(diagnostics))
