"""schemathesis hooks of the contract test (tests/contract/run.sh sets SCHEMATHESIS_HOOKS).

The bulk route's body is NDJSON (application/x-ndjson): the spec describes it as the array of
lines it holds, and this serialiser writes each item as one JSON line. A body that is not an
array (a negative case) is written as one line holding it inside an array, which is never a
readable line, so the server must refuse it as the spec says.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, list):
        text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in value)
    else:
        text = json.dumps([value], ensure_ascii=False) + "\n"
    return text.encode("utf-8")
