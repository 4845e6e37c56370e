"""Keyset paging: a list in a total order (the requested sort keys, then the primary
key) and the rows that come after a given row in that order, both in SQL, so that the
database returns one page and never the whole list.

NULL counts as smaller than any value, in every backend: first when ascending, last when
descending (SQLite's and MySQL's own rule; PostgreSQL is told with ``IS NULL`` terms).
"""
import dataclasses

import sqlalchemy as sa

from svc_common import exception

# Rows a filtered fetch reads at least per statement when Python drops some of them.
MIN_BATCH = 100


@dataclasses.dataclass(frozen=True)
class SortKey:
    name: str  # the mapped attribute
    column: sa.Column
    descending: bool


def sort_keys(model, keys, dirs, tie_breaker='id'):
    """The SortKeys of ``keys`` and ``dirs`` ('asc' or 'desc'; a missing direction
    repeats the one before; none at all is 'desc'), then ``tie_breaker`` (unique, in the
    first key's direction) so that no two rows compare equal."""
    columns = sa.inspect(model).columns
    dirs = list(dirs) or ['desc']
    wanted = [(key, dirs[min(i, len(dirs) - 1)]) for i, key in enumerate(keys)]
    result = []
    for key, direction in wanted + [(tie_breaker, dirs[0])]:
        if key not in columns:
            raise exception.InvalidSortKey(key=key)
        if direction not in ('asc', 'desc'):
            raise exception.InvalidSortDir(dir=direction)
        if all(k.name != key for k in result):
            result.append(SortKey(key, columns[key], direction == 'desc'))
    return result


def ordered(query, keys):
    """``query`` in the order of ``keys``."""
    for key in keys:
        column = key.column
        if column.nullable:
            is_null = column.is_(None)
            query = query.order_by(is_null.asc() if key.descending else is_null.desc())
        query = query.order_by(column.desc() if key.descending else column.asc())
    return query


def after(keys, row):
    """The condition on rows that come after ``row`` in the order of ``keys``: for some
    key, every earlier key equal to row's and this one beyond it."""
    alternatives, equal = [], []
    for key in keys:
        value = _value(key, row)
        beyond = _beyond(key, value)
        if beyond is not None:
            alternatives.append(sa.and_(*equal, beyond))
        equal.append(key.column.is_(None) if value is None else key.column == value)
    condition = sa.or_(*alternatives)
    first, value = keys[0], _value(keys[0], row)
    if value is not None and not first.column.nullable:
        # Implied by the alternatives; said alone it lets an index range scan start there.
        bound = first.column <= value if first.descending else first.column >= value
        condition = sa.and_(bound, condition)
    return condition


def _value(key, row):
    """Row's value of ``key`` as a bound parameter of the column's type (None for NULL)."""
    value = getattr(row, key.name)
    return None if value is None else sa.bindparam(None, value, type_=key.column.type)


def _beyond(key, value):
    """Values of ``key`` after ``value``; None when there are none (NULL, descending)."""
    column = key.column
    if value is None:
        return None if key.descending else column.is_not(None)
    if not key.descending:
        return column > value
    return sa.or_(column < value, column.is_(None)) if column.nullable else column < value


def fetch(query, keys, limit=None, keep=None):
    """The first ``limit`` rows (every row when None) of ``query``, ordered by ``keys``,
    that ``keep`` accepts (all when None). Without ``keep`` that is one statement with
    LIMIT; with it, batches, each starting after the last row of the one before, until
    the page is full or the rows run out."""
    if limit is None:
        rows = query.all()
        return rows if keep is None else [r for r in rows if keep(r)]
    if keep is None:
        return query.limit(limit).all() if limit else []
    page, batch, size = [], query, max(limit, MIN_BATCH)
    while len(page) < limit:
        rows = batch.limit(size).all()
        page.extend(r for r in rows if keep(r))
        if len(rows) < size:
            break
        batch = query.filter(after(keys, rows[-1]))
    return page[:limit]


def containing(column, text):
    """``column`` LIKE '%text%', with LIKE's wildcards in ``text`` taken literally. Case
    folds on MySQL and (ASCII) on SQLite: there the rows are a superset of exact matches."""
    for char in ('!', '%', '_'):
        text = text.replace(char, '!' + char)
    return column.like('%' + text + '%', escape='!')
