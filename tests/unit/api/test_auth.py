import pytest

from api_svc import auth


@pytest.mark.parametrize('token, identity', [
    ('alice:p1:member', ('alice', 'p1', ['member'])),
    ('alice:p1:admin,member', ('alice', 'p1', ['admin', 'member'])),
    ('alice:p1', ('alice', 'p1', ['member'])),
    ('notused', None), ('', None), (None, None), ('opaque-keystone-token', None),
])
def test_identity_from_token(token, identity):
    assert auth.identity_from_token(token) == identity


def test_roles_are_implied_like_keystone():
    assert auth.expand_roles(['admin']) == ['admin', 'member', 'reader']
    assert auth.expand_roles(['member']) == ['member', 'reader']
    assert auth.expand_roles(['reader', 'member']) == ['reader', 'member']


def test_noauth_fills_the_environ():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    middleware = auth.NoAuthMiddleware(app)
    middleware({'HTTP_X_AUTH_TOKEN': 'u:p:reader'}, None)
    assert (seen['HTTP_X_USER_ID'], seen['HTTP_X_PROJECT_ID'], seen['HTTP_X_ROLES']) == (
        'u', 'p', 'reader')
    seen.clear()
    middleware({'HTTP_X_AUTH_TOKEN': 'notused'}, None)
    assert seen['HTTP_X_ROLES'] == 'admin,member,reader'
    context = auth.make_context(seen, 'req-1')
    assert context.is_admin and context.request_id == 'req-1'
