"""Server list paging: one page of GET /v2.1/servers/detail out of N servers, paged in
SQL (what the API does), against the baseline in the same run: the way it was before,
every matching server loaded and the page found by scanning and slicing in Python.

    .venv/bin/python bench/list.py [--servers 2000] [--page 50] [--rounds 10]

All-in-one, SQLite, the REST API through its WSGI app (no sockets); the servers are
records only (ten at a time share a created_at). Prints milliseconds per request for a
first page, a page from the middle (a marker) and a page of two name filters, both
ways (checking they are the same page), and the ratio baseline/SQL.
"""
import argparse
import datetime
import re
import statistics
import time
from unittest import mock
import uuid

import sqlalchemy as sa

import harness  # bench/harness.py
from api_svc import compute_api
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import objects
from svc_common.objects import base
from svc_common import states

PROJECT = 'bench'


def _get(app, path):
    status, body = harness.request(app, 'GET', path, project=PROJECT, roles='member')
    if status != 200:
        raise RuntimeError('%s: %s %s' % (path, status, body))
    return body


def _populate(ctx, count):
    """``count`` ACTIVE server records of PROJECT: one made as the API makes it, the
    rest copies of its row inserted in one statement. Returns their uuids, newest
    first."""
    template = objects.Instance(
        context=ctx, uuid=str(uuid.uuid4()), image_ref='img', display_name='bench-0000',
        flavor=objects.Flavor.get_by_flavor_id(ctx, '1'), project_id=PROJECT,
        user_id='bench', vm_state=states.VmState.ACTIVE.value, power_state=1)
    template.create()
    table = models.Instance.__table__
    stamp = datetime.datetime(2026, 1, 1)
    with db_api.get_engine().begin() as conn:
        row = dict(conn.execute(sa.select(table).where(table.c.uuid == template.uuid))
                   .mappings().one())
        row.pop('id')
        conn.execute(table.insert(), [
            dict(row, uuid=str(uuid.uuid4()), display_name='bench-%04d' % i,
                 created_at=stamp + datetime.timedelta(seconds=i // 10))
            for i in range(1, count)])
    return [i.uuid for i in objects.InstanceList.get_by_filters(ctx, {})]


@db_api.reader
def _every_row(context, project_id, name):
    """The baseline's one query: every server of the project, newest first; then the
    name regex in Python."""
    model = models.Instance
    rows = (context.session.query(model).filter_by(project_id=project_id, deleted=0)
            .order_by(model.created_at.desc(), model.id.desc()).all())
    return [r for r in rows if not name or (r.display_name and re.search(name, r.display_name))]


def full_load_list(self, context, query):
    """The baseline: compute_api.API.list before paging moved into SQL (for the
    filters and the default order this benchmark uses)."""
    instances = list(base.make_list(context, objects.InstanceList(context), objects.Instance,
                                    _every_row(context, query.project_id, query.name)))
    if query.marker is not None:
        uuids = [i.uuid for i in instances]
        if query.marker not in uuids:
            raise RuntimeError('marker not found')
        instances = instances[uuids.index(query.marker) + 1:]
    return instances[:query.limit]


def _ms_per_request(app, path, rounds):
    """(median milliseconds, the ids of the page)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        body = _get(app, path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), [s['id'] for s in body['servers']]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--servers', type=int, default=2000)
    parser.add_argument('--page', type=int, default=50)
    parser.add_argument('--rounds', type=int, default=10)
    args = parser.parse_args()
    aio = harness.start(['b1'])
    try:
        ctx = nimbus_context.get_admin_context()
        newest_first = _populate(ctx, args.servers)
        base = '/v2.1/servers/detail?limit=%d' % args.page
        cases = [('first page', base),
                 ('middle page (marker)',
                  base + '&marker=%s' % newest_first[len(newest_first) // 2]),
                 ('name substring page', base + '&name=bench-00'),  # SQL LIKE
                 ('name regex page', base + '&name=5$')]  # Python, in SQL batches
        print('%d servers, pages of %d, SQLite, median of %d requests'
              % (args.servers, args.page, args.rounds))
        for name, path in cases:
            sql, page = _ms_per_request(aio.app, path, args.rounds)
            with mock.patch.object(compute_api.API, 'list', full_load_list):
                full, expected = _ms_per_request(aio.app, path, args.rounds)
            if page != expected:
                raise RuntimeError('%s: the pages differ' % path)
            print('%-22s SQL paging: %7.1f ms   baseline (full load): %7.1f ms   '
                  'ratio baseline/SQL: %5.1f' % (name, sql, full, full / sql))
    finally:
        aio.stop()


if __name__ == '__main__':
    main()
