"""Column lists for hand-written SQL, built from the models so they never fall behind them.

A raw query that leaves out a column makes Django load it with one query per row the moment a page
reads it (a deferred field); one that names a dropped column fails. So the lists are derived from
`Model._meta` and name only what they leave out, and why.
"""


def column_list(model, *, alias: str, leave_out: tuple[str, ...] = ()) -> str:
    """`alias.col, alias.col, ...` for every concrete field of `model` except the ones named (by
    field name) in `leave_out`: typically long texts and search vectors a list never shows."""
    names = {field.name for field in model._meta.concrete_fields}
    unknown = set(leave_out) - names
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields if field.name not in leave_out)
