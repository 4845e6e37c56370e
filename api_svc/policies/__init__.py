"""Policy defaults, one module per resource; ``list_rules`` feeds the enforcer and the
``oslo.policy.policies`` entry point (sample policy file generation)."""
import itertools

from api_svc.policies import admin_actions
from api_svc.policies import aggregates
from api_svc.policies import availability_zones
from api_svc.policies import base
from api_svc.policies import consoles
from api_svc.policies import deferred_delete
from api_svc.policies import extensions
from api_svc.policies import flavor_access
from api_svc.policies import flavors
from api_svc.policies import guest_actions
from api_svc.policies import hosts
from api_svc.policies import hypervisors
from api_svc.policies import images
from api_svc.policies import instance_actions
from api_svc.policies import instance_usage_audit_log
from api_svc.policies import ips
from api_svc.policies import keypairs
from api_svc.policies import limits
from api_svc.policies import lock_server
from api_svc.policies import migrate_server
from api_svc.policies import migrations
from api_svc.policies import networks
from api_svc.policies import quota_classes
from api_svc.policies import quota_sets
from api_svc.policies import server_diagnostics
from api_svc.policies import server_external_events
from api_svc.policies import security_groups
from api_svc.policies import server_groups
from api_svc.policies import server_migrations
from api_svc.policies import server_shares
from api_svc.policies import servers
from api_svc.policies import services
from api_svc.policies import shelve
from api_svc.policies import snapshots
from api_svc.policies import simple_tenant_usage
from api_svc.policies import volume_attachments

MODULES = (base, servers, flavors, flavor_access, services, hosts, hypervisors, limits,
           quota_sets, quota_classes, availability_zones, aggregates, images,
           migrate_server, migrations, instance_actions, instance_usage_audit_log,
           simple_tenant_usage, keypairs, lock_server, admin_actions, server_groups,
           networks, extensions, server_migrations, server_shares, consoles, volume_attachments,
           snapshots, guest_actions, server_diagnostics, server_external_events,
           security_groups, shelve, deferred_delete, ips)


def list_rules():
    return list(itertools.chain.from_iterable(m.list_rules() for m in MODULES))
