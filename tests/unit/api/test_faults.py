import json

from oslo_db import exception as db_exc
import webob.exc

from api_svc import faults
from svc_common import exception


def _body(resp):
    return json.loads(resp.body)


def test_domain_errors_keep_code_and_message():
    resp = faults.compute_fault(exception.FlavorNotFound(flavor_id='9'))
    assert resp.status_int == 404
    assert _body(resp) == {'itemNotFound': {'code': 404,
                                            'message': 'Flavor 9 could not be found.'}}
    resp = faults.compute_fault(exception.InstanceInvalidState(
        method='stop', instance_uuid='u', attr='vm_state', state='stopped'))
    assert list(_body(resp)) == ['conflictingRequest']


def test_quota_errors_are_over_limit_403():
    resp = faults.compute_fault(exception.TooManyInstances(overs='cores', req=4, used=18,
                                                           allowed=20))
    assert resp.status_int == 403
    assert _body(resp) == {'overLimit': {
        'code': 403,
        'message': 'Quota exceeded for cores: Requested 4, but already used 18 of 20 cores'}}


def test_unexpected_errors_are_500_and_db_outages_503():
    resp = faults.compute_fault(KeyError('x'), 'req-1')
    assert resp.status_int == 500
    body = _body(resp)['computeFault']
    assert 'req-1' in body['message'] and 'KeyError' in body['message']
    resp = faults.compute_fault(db_exc.DBConnectionError('gone'))
    assert resp.status_int == 503
    assert 'serviceUnavailable' in _body(resp)


def test_webob_errors_and_image_faults():
    resp = faults.compute_fault(webob.exc.HTTPMethodNotAllowed(explanation='no'))
    assert _body(resp) == {'badMethod': {'code': 405, 'message': 'no'}}
    error = faults.image_fault(exception.ImageNotFound(image_id='i'))
    assert error.status_int == 404 and 'Image i could not be found.' in error.explanation
