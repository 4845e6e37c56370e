"""WHERE conditions more than one table's reads share."""


def changed_since(columns, since):
    """The condition "created or updated at or after ``since``" on ``columns`` (a
    table's or a model's), what the scheduler's reads of what changed filter by."""
    return (columns.updated_at >= since) | (columns.created_at >= since)
