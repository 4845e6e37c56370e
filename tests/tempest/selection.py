"""Which Tempest tests the tier runs: all of tempest.api.compute, with Tempest's own
feature defaults plus resize and stable rescue (tempest_conf.py). Nothing is excluded:
the few tests of what Nimbus does not have yet run too, and are listed in KNOWN_GAPS
with the reason; the tier accepts their failure (and only theirs), and shows it in every
report. Tempest itself skips the tests of services this cloud has no (network, volume,
object storage) and of features its defaults turn off.

``NIMBUS_TEMPEST_ALL=1`` accepts no failure at all, known gaps included.
"""
import os

ALL = os.environ.get('NIMBUS_TEMPEST_ALL') == '1'
# NIMBUS_TEMPEST_REGEX=R runs only the selected tests whose names R matches (re.search),
# e.g. 'rescue|restore'; the tier's minimum of passes does not apply then.
ONLY = os.environ.get('NIMBUS_TEMPEST_REGEX')

# Test (after tempest.api.compute.) -> what Nimbus lacks for it.
KNOWN_GAPS: dict[str, str] = {}


def include_regex():
    selected = r'^tempest\.api\.compute\.'
    return '(?=%s)(?=.*(%s))' % (selected, ONLY) if ONLY else selected


def known_gap(test_id):
    """The reason ``test_id`` may fail (a known gap), or None."""
    if ALL:
        return None
    return KNOWN_GAPS.get(test_id.removeprefix('tempest.api.compute.'))
