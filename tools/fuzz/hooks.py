"""Schemathesis hooks for TSS (tools/fuzz/schemathesis.sh loads them via SCHEMATHESIS_HOOKS).

The string formats TSS schemas use that schemathesis does not know, so positive test cases are
valid and reach the routes' logic instead of stopping at the schema.
"""

import schemathesis
from hypothesis import strategies as st

# libs/contracts Text(): format "text" is any text PostgreSQL can store, i.e. no NUL and no lone
# surrogate (category Cs). Negative test cases still send both.
schemathesis.openapi.format(
    "text",
    st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
)
