"""The composition root: processes that wire several services together."""
