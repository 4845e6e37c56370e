"""SQL statements built once per shape and kept.

Building a statement (its clauses, then SQLAlchemy's cache key for it) cost as much as
running it, or more, for the short reads and writes that every server lifecycle makes
again and again: a claim, a release, a compare-and-swap save, a read by id. A statement
kept here is built at its first use in a shape and run again with each call's values
as bind parameters.

The rule for a caller: ``key`` names everything that decides the statement's text (the
table, the columns written or compared, which optional conditions it has); whatever
differs from call to call is a bind parameter. A statement that never changes shape is
simply a module constant.
"""
import sqlalchemy as sa

# Bounded, though the shapes the code makes are few: a bug that put a value in a key
# would only rebuild, never grow the process without end.
_LIMIT = 2000
_KEPT: dict = {}


def statement(key, build):
    """The statement ``build()`` makes for the shape ``key`` (hashable), built once.
    Kept statements are immutable and shared between threads; two threads building the
    same shape at once each use their own, and one of them is kept."""
    found = _KEPT.get(key)
    if found is None:
        if len(_KEPT) >= _LIMIT:
            _KEPT.clear()
        found = _KEPT[key] = build()
    return found


class Record:
    """One row of a model's table as plain values under the model's attribute names:
    what a read for an object needs, without the ORM's loading of a mapped instance
    (identity map, instance state, load events), which cost more than the statement
    and its Core row together. ``objects.base.written`` brings one up to date after an
    UPDATE."""

    def __init__(self, model, row):
        self.__dict__.update(row._mapping)
        self._model = model  # (no column's attribute is named so)

    def read_again(self, session):
        """This row as the database has it now (by its primary key, deleted or not)."""
        model = self._model
        return first_record(session, model, statement(
            ('by_id', model), lambda: sa.select(*row_columns(model)).where(
                model.id == sa.bindparam('p_id'))), {'p_id': self.id})


def row_columns(model):
    """Every column of ``model``, labelled with its mapped attribute's name (a column
    and its attribute can be named apart: ``metadata_``)."""
    return tuple(column.label(name) for name, column in sa.inspect(model).columns.items())


def first_record(session, model, select, params):
    """The first row ``select`` (of ``model``'s ``row_columns``) finds, as a Record; or
    None. Run on the session's connection: the session's own execution adds the ORM's."""
    row = session.connection().execute(select, params).first()
    return None if row is None else Record(model, row)


def _row_by(model, names):
    """SELECT of the one row of ``model`` (soft-deleted ones left out) whose columns
    ``names`` (a sorted tuple) equal the bind parameters ``p_<name>``."""
    return statement(('row_by', model, names), lambda: sa.select(*row_columns(model)).where(
        model.deleted == 0,
        *(getattr(model, name) == sa.bindparam('p_' + name) for name in names)).limit(1))


def first_row(session, model, by):
    """The row of ``model`` (not soft-deleted) whose columns equal ``by`` ({name:
    value}) as a Record, or None; from a statement kept per set of names."""
    return first_record(session, model, _row_by(model, tuple(sorted(by))),
                        {'p_' + name: value for name, value in by.items()})
