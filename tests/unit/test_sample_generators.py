"""The sample config and sample policy are generated from the code, never hand-written:
these fail when the generators cannot produce them."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


def _generate(tool, config, output):
    result = subprocess.run(
        [str(BIN / tool), '--config-file', str(ROOT / 'etc' / config),
         '--output-file', str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, '%s failed:\n%s%s' % (tool, result.stdout, result.stderr)
    return output.read_text()


def _section(sample, name):
    """The text of one [section] of an ini-style sample."""
    _, _, rest = sample.partition('\n[%s]\n' % name)
    assert rest, 'section [%s] missing from the sample' % name
    return rest.split('\n[', 1)[0]


def test_config_sample_has_every_group(tmp_path):
    sample = _generate('oslo-config-generator', 'nimbus-config-generator.conf',
                       tmp_path / 'nimbus.conf.sample')
    for group in ('api', 'compute', 'conductor', 'database', 'fake_driver', 'image', 'quota',
                  'scheduler', 'keystone_authtoken', 'oslo_messaging_rabbit', 'oslo_policy'):
        _section(sample, group)
    default = sample.split('\n[', 1)[0]
    for option in ('#host = <hostname>', '#state_path = ', '#report_interval = ',
                   '#transport_url = ', '#debug = '):
        assert option in default, option
    assert '#auth_strategy = keystone' in _section(sample, 'api')
    assert '#compute_driver = fake' in _section(sample, 'compute')
    assert '#connection = ' in _section(sample, 'database')
    assert '#cpu_allocation_ratio = ' in _section(sample, 'compute')
    assert '#workers = 1' in _section(sample, 'conductor')
    assert '#max_pool_size = 64' in _section(sample, 'database')


def test_config_sample_repeats_no_group(tmp_path):
    sample = _generate('oslo-config-generator', 'nimbus-config-generator.conf',
                       tmp_path / 'nimbus.conf.sample')
    headers = [line for line in sample.splitlines() if line.startswith('[')]
    assert len(headers) == len(set(headers)), headers


def test_policy_sample(tmp_path):
    from api_svc import policies
    sample = _generate('oslopolicy-sample-generator', 'nimbus-policy-generator.conf',
                       tmp_path / 'policy.yaml')
    names = [rule.name for rule in policies.list_rules()]
    assert 'os_compute_api:servers:create' in names
    missing = [name for name in names if '#"%s":' % name not in sample]
    assert not missing, missing
    assert len(names) == len(set(names)), 'a policy rule is registered twice'
    for rule in policies.list_rules():  # each default documented with its check string
        assert '#"%s": "%s"' % (rule.name, rule.check_str) in sample, rule.name
