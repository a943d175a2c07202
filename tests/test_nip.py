"""The vectorised NIP checksum (core.nip.valid_nips) agrees with the scalar one on every input."""

from hypothesis import given
from hypothesis import strategies as st

from core.nip import NIP_WEIGHTS, is_valid_nip, nip_check_digit, valid_nips

digits = st.text(alphabet="0123456789", min_size=10, max_size=10)
anything = st.text(max_size=12) | digits | st.text(alphabet="0123456789 -PLx٣", min_size=8, max_size=12)


@given(st.lists(anything, max_size=50))
def test_vectorised_checksum_agrees_with_the_scalar_one(nips):
    assert valid_nips(nips).tolist() == [is_valid_nip(n) for n in nips]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_valid_check_digit_is_accepted_and_every_other_refused(nine):
    check = nip_check_digit(nine)
    candidates = [nine + str(d) for d in range(10)]
    assert valid_nips(candidates).tolist() == [d == check for d in range(10)]  # 10: none is valid


def test_hand_worked_nips():
    # 526025027: 5·6+2·5+6·7+0·2+2·3+5·4+0·5+2·6+7·7 = 169 = 15·11 + 4, so 5260250274 is valid.
    assert sum(int(d) * w for d, w in zip("526025027", NIP_WEIGHTS, strict=True)) % 11 == 4
    assert valid_nips(["5260250274", "5260250275", "526025027", "52602502741", "１２３４５６７８９０"]).tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]
    # 000000003: 3·7 = 21 = 11 + 10, a checksum of 10: these nine digits start no valid NIP, whatever the last.
    assert nip_check_digit("000000003") == 10
    assert not valid_nips([f"000000003{d}" for d in range(10)]).any()
