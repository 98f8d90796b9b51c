"""HTCondor's "new" argument syntax, as the starter splits a job's Arguments: the value in double
quotes ("" is a double quote), arguments separated by spaces, single quotes group ('' is a single
quote); a job's Environment in the same syntax is ``name=value`` entries. Shared by the doubles
that run jobs (the schedd double and the live tier's batch node).
"""


def split_arguments(value):
    """HTCondor's new argument syntax: in double quotes ("" is a quote), split at spaces, '...' groups ('' is a quote)."""
    value = value.strip()
    if not (value.startswith('"') and value.endswith('"')):
        return value.split()
    value = value[1:-1].replace('""', '"')
    args, cur, quoted, have, i = [], [], False, False, 0
    while i < len(value):
        ch = value[i]
        if ch == "'":
            if quoted and value[i + 1:i + 2] == "'":
                cur.append("'")
                i += 2
                continue
            quoted, have = not quoted, True
        elif ch.isspace() and not quoted:
            if cur or have:
                args.append("".join(cur))
            cur, have = [], False
        else:
            cur.append(ch)
        i += 1
    if cur or have:
        args.append("".join(cur))
    return args


def split_environment(value):
    """A submit description's ``environment`` in the new syntax as a dict (``name=value`` entries)."""
    env = {}
    for entry in split_arguments(value) if value and value.strip() else []:
        name, sep, v = entry.partition("=")
        if not sep or not name:
            raise ValueError(f"environment entry {entry!r} is not name=value")
        env[name] = v
    return env
