"""The tempest.conf of the Tempest tier: what this Nimbus deployment has and lacks."""
import configparser

from svc_common.conf import scheduler as scheduler_conf
from tests.tempest import keystone as keystone_mod

MIN_MICROVERSION = '2.1'
MAX_MICROVERSION = '2.104'
FLAVOR_REF, FLAVOR_REF_ALT = '6', '7'  # m1.nano, m1.micro (nimbus-manage create-defaults)

# Tempest's own [compute-feature-enabled] defaults, plus resize and stable rescue (both
# off by default in Tempest; Nimbus has them). Nothing Nimbus lacks is turned off here: a
# gap shows as a failure.
COMPUTE_FEATURES = {'resize': True, 'stable_rescue': True}


def write(path, workdir, keystone, image_ref, image_ref_alt, compute_nodes=2):
    config = {
        'DEFAULT': {'log_file': str(workdir / 'tempest.log'), 'debug': 'true'},
        'oslo_concurrency': {'lock_path': str(workdir / 'locks')},
        'auth': {'use_dynamic_credentials': 'true', 'create_isolated_networks': 'false',
                 'admin_username': 'admin', 'admin_password': keystone_mod.ADMIN_PASSWORD,
                 'admin_project_name': 'admin', 'admin_domain_name': 'Default'},
        'identity': {'uri_v3': keystone.url, 'auth_version': 'v3',
                     'region': keystone_mod.REGION},
        'identity-feature-enabled': {'api_v2': 'false', 'api_v3': 'true'},
        'compute': {'image_ref': image_ref, 'image_ref_alt': image_ref_alt,
                    'flavor_ref': FLAVOR_REF, 'flavor_ref_alt': FLAVOR_REF_ALT,
                    'min_microversion': MIN_MICROVERSION,
                    'max_microversion': MAX_MICROVERSION,
                    'min_compute_nodes': str(compute_nodes),
                    'build_interval': '1', 'build_timeout': '60',
                    'region': keystone_mod.REGION},
        # The scheduler filters the deployment runs (the defaults): Tempest runs the
        # tests of those hints and skips the rest (server groups, ...).
        'compute-feature-enabled': dict(
            {name: str(value).lower() for name, value in COMPUTE_FEATURES.items()},
            scheduler_enabled_filters=','.join(scheduler_conf.DEFAULT_FILTERS)),
        'image': {'region': keystone_mod.REGION, 'build_interval': '1',
                  'build_timeout': '60'},
        'image-feature-enabled': {'api_v2': 'true', 'import_image': 'false'},
        'service_available': {'nova': 'true', 'glance': 'true', 'neutron': 'false',
                              'cinder': 'false', 'swift': 'false', 'horizon': 'false'},
        'validation': {'run_validation': 'false'},
    }
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_dict(config)
    with open(path, 'w') as out:
        parser.write(out)
    return path
