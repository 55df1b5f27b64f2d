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

# libs/contracts VisibleText(): format "visible-text" is storable text with at least one visible
# character (not only white space, control, format or default-ignorable characters). One letter,
# digit, punctuation or symbol among storable text; the Hangul fillers are letters Unicode ignores.
_STORABLE = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
_VISIBLE = st.characters(categories=("L", "N", "P", "S"), exclude_characters="\u115f\u1160\u3164\uffa0")
schemathesis.openapi.format(
    "visible-text",
    st.tuples(_STORABLE, _VISIBLE, _STORABLE).map("".join),
)
