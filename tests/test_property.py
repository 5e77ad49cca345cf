"""Arbitrary Unicode never breaks ``tag`` and every mention indexes the input exactly."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = st.sampled_from(
    ["Vladimir Putin", "Kyiv", "WhatsApp", "MAX", "Russia", "Zelenskyy", "the US", "FSB", "\n"]
)
TEXT = st.lists(
    st.one_of(
        st.text(min_size=0, max_size=40),
        st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=10),
        st.text(alphabet="abcXYZ", min_size=200, max_size=3000),  # very long tokens
        NAMES,
    ),
    max_size=12,
).map(" ".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_tag_never_raises_and_offsets_are_exact(default, text):
    tags = default.tag(text)
    for entity in tags.entities:
        assert 0.0 <= entity.salience <= 1.0
        assert entity.count == len(entity.mentions)
        for m in entity.mentions:
            assert text[m.start : m.end] == m.text
    for topic in tags.topics:
        assert 0.0 <= topic.score <= 1.0
