"""Server group bodies: ``policies`` and an always empty ``metadata`` until 2.64, then
``policy`` and ``rules``; the owner's ids from 2.13."""


def detail(version, group):
    body = {'id': group.uuid, 'name': group.name or '', 'members': list(group.members)}
    if version.matches('2.64'):
        body['policy'] = group.policy
        body['rules'] = dict(group.rules)
    else:
        body['policies'] = [group.policy]
        body['metadata'] = {}
    if version.matches('2.13'):
        body['project_id'] = group.project_id
        body['user_id'] = group.user_id
    return body
