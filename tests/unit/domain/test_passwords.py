"""Password rules and hashing (chalicelib/domain/passwords.py)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chalicelib.domain import passwords
from chalicelib.domain.passwords import PasswordRuleError, check_password, hash_password, needs_rehash, verify_password

# The manual, 注册说明 3, word for word.
MANUAL_RULE = "8-20位字符,由数字、大小写字母、特殊字符中的三种或以上组成"

CLASSES = {"digit": "4829", "upper": "QKZV", "lower": "mtrw", "special": "#@!%"}
ID_NUMBER = "65010219920615302X"
PHONE = "13912345678"
ROOT = Path(__file__).resolve().parents[3]


def strong(length: int) -> str:
    """A password of the given length using all four classes and no common word."""
    return ("Qz7#kP2@mW9$vR4&xT6*" * 2)[:length]


def broken_rule(password: str, **context) -> str | None:
    try:
        check_password(password, **context)
    except PasswordRuleError as exc:
        assert exc.message, "every refusal carries a message for the citizen"
        return exc.rule
    return None


def common_list() -> list[str]:
    text = resources.files("chalicelib.domain").joinpath("data/common_passwords.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# -- the manual's rule -----------------------------------------------------------------------


def test_the_rule_text_is_the_manuals_word_for_word():
    assert passwords.RULE_TEXT == MANUAL_RULE
    with pytest.raises(PasswordRuleError) as caught:
        check_password("abcdefgh1234")
    assert caught.value.rule == "classes"
    assert MANUAL_RULE in caught.value.message


@pytest.mark.parametrize("length", [8, 9, 19, 20])
def test_8_to_20_characters_are_accepted(length):
    assert broken_rule(strong(length)) is None


@pytest.mark.parametrize("length", [0, 1, 7, 21, 40])
def test_shorter_or_longer_passwords_are_refused_by_the_length_rule(length):
    assert broken_rule(strong(length)) == "length"


@pytest.mark.parametrize("pair", list(itertools.combinations(CLASSES, 2)) + [(c,) for c in CLASSES])
def test_fewer_than_three_kinds_of_character_are_refused(pair):
    # GIVEN a 12-character password drawn from only one or two kinds
    password = "".join(CLASSES[c] for c in pair) * 3
    password = password[:12]
    # WHEN checked THEN the class rule is named
    assert broken_rule(password) == "classes"


@pytest.mark.parametrize("triple", list(itertools.combinations(CLASSES, 3)))
def test_any_three_kinds_of_character_are_enough(triple):
    password = "".join(CLASSES[c] for c in triple)  # 12 characters
    assert broken_rule(password) is None


@pytest.mark.parametrize("password", ["Abc 12345!", "Abc12345！", "密码Abc12345"])
def test_spaces_and_non_ascii_characters_are_refused(password):
    assert broken_rule(password) == "charset"


# -- personal data in the password -------------------------------------------------------------


def test_a_password_containing_the_id_number_is_refused_case_insensitively():
    # GIVEN a 4-class password that embeds the ID number with a lower-case x
    password = "A!" + ID_NUMBER.lower()
    assert broken_rule(password) is None  # nothing else is wrong with it
    # WHEN checked against the citizen's ID number THEN the ID rule is named
    assert broken_rule(password, id_number=ID_NUMBER) == "contains_id_number"
    assert broken_rule("A!" + ID_NUMBER, id_number=ID_NUMBER.lower()) == "contains_id_number"


def test_a_password_containing_the_phone_number_is_refused():
    password = "Ab#" + PHONE
    assert broken_rule(password) is None
    assert broken_rule(password, phone=PHONE) == "contains_phone"
    assert broken_rule(password, phone="13800000000") is None


# -- the 10,000 common passwords -----------------------------------------------------------


def test_the_list_ships_ten_thousand_passwords():
    assert len(set(common_list())) == 10_000


def test_common_passwords_are_refused_whatever_their_case(monkeypatch):
    # GIVEN the listed passwords with their first letter capitalised ...
    variants = {re.sub(r"[a-z]", lambda m: m.group().upper(), w, count=1) for w in common_list()}
    # ... keeping those that every other rule accepts (checked with the list emptied
    # and the strength estimator content with anything)
    with monkeypatch.context() as m:
        m.setattr(passwords, "_common_passwords", lambda: frozenset())
        m.setattr(passwords, "_estimated_score", lambda password, user_inputs: 4)
        candidates = sorted(v for v in variants if broken_rule(v) is None)
    assert len(candidates) > 50, "the list holds many passwords that satisfy the class rule"
    assert all(v not in common_list() for v in candidates[:50])  # they differ from the list by case
    # WHEN checked with the shipped list THEN every one is refused by the common-password rule
    assert {broken_rule(v) for v in candidates} == {"common"}


def test_an_uncommon_password_is_not_refused_as_common():
    assert broken_rule("Jshall#2024") is None


# -- well-known passwords and their obvious variants --------------------------------------------

COMMON_MESSAGE = "密码过于常见，容易被猜中，请换一个"
DEMO = json.loads((ROOT / "demo/citizens.json").read_text("utf-8"))


def readme_passwords() -> set[str]:
    """The 密码 column of the README's demo-account table."""
    rows = [line.split("|") for line in (ROOT / "README.md").read_text("utf-8").splitlines() if line.startswith("| ")]
    header = next(row for row in rows if any(cell.strip() == "密码" for cell in row))
    column = [cell.strip() for cell in header].index("密码")
    return {row[column].strip() for row in rows[rows.index(header) + 1 :] if len(row) == len(header)}


@pytest.mark.parametrize("password", ["Password1!", "Qwer1234!", "P@ssw0rd!", "Admin123!", "Abc@123456", "Woaini1314!"])
def test_well_known_passwords_that_follow_the_manuals_rule_are_refused(password, monkeypatch):
    # GIVEN a well-known password that satisfies the manual's rule (and is not on the list as typed)
    assert password.lower() not in common_list()
    with monkeypatch.context() as m:
        m.setattr(passwords, "_common_passwords", lambda: frozenset())
        m.setattr(passwords, "_estimated_score", lambda password, user_inputs: 4)
        assert broken_rule(password) is None
    # WHEN it is checked THEN it is refused as common, with the one message for citizens
    with pytest.raises(PasswordRuleError) as caught:
        check_password(password)
    assert (caught.value.rule, caught.value.message) == ("common", COMMON_MESSAGE)


LISTED_WORDS = sorted(w for w in common_list() if w.isalpha() and w.isascii() and len(w) >= 6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    word=st.sampled_from(LISTED_WORDS),
    suffix=st.sampled_from(["1!", "123!", "@2024", "#1", "!88", "2025.", "_01", "!"]),
    prefix=st.sampled_from(["", "!", "1#", "@"]),
    leet=st.booleans(),
)
def test_listed_words_with_a_capital_and_added_digits_or_signs_are_refused(word, suffix, prefix, leet):
    # GIVEN a listed word, capitalised, maybe with look-alike digits (a → @, o → 0, ...),
    # between digits and signs: the first variants a guesser tries
    body = word.capitalize()
    if leet:
        body = body[0] + body[1:].translate(str.maketrans("aoes", "@03$"))
    password = prefix + body + suffix
    assume(passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH)
    assume(broken_rule(password) != "classes")
    # WHEN checked THEN refused as common
    assert broken_rule(password) == "common"


@pytest.mark.parametrize(
    ("password", "context"),
    [
        ("Mamatova!12", {"name": "Aygul Mamatova"}),  # the citizen's own (Latin) name
        ("Hx!10000000051", {"phone": "15000000001"}),  # the phone, reversed
    ],
)
def test_passwords_built_from_the_citizens_own_data_are_refused(password, context):
    # GIVEN a password nothing is wrong with for a stranger ...
    assert broken_rule(password) is None
    # ... WHEN checked for the citizen whose data it is built from THEN refused as guessable
    assert broken_rule(password, **context) == "common"


def test_the_demo_and_test_passwords_pass_the_rule():
    # The README's demo accounts and demo/citizens.json (checked with each citizen's own data) ...
    assert readme_passwords() == {person["password"] for person in DEMO["accounts"]}
    for person in DEMO["accounts"]:
        context = {"id_number": person["id_number"], "phone": person["phone"], "name": person["name"]}
        assert broken_rule(person["password"], **context) is None, person["password"]
    # ... and the passwords tests, browser tests, the bench and the load test register accounts with
    from bench import load
    from tests import support

    others = {
        support.Citizen.__dataclass_fields__["password"].default,
        load.PASSWORD,
        "Zhang#Wei2025",  # tests/browser/test_citizen_flows.py
        "Chen#Xiao2025",  # tests/browser/test_citizen_flows.py
        "Bench#2024pw",  # bench/figures.py
    }
    assert {p: broken_rule(p) for p in others} == dict.fromkeys(others)


def test_eight_random_characters_are_enough():
    # zxcvbn rates any 8 random characters "somewhat guessable" (2): the minimum score
    # must not refuse the manual's shortest passwords.
    assert passwords.MIN_SCORE <= 2
    assert broken_rule("Qz7#kP2@") is None


def test_login_never_loads_the_strength_estimator():
    # Lambda cold start: importing the app (and so the login path) must not import zxcvbn;
    # checking a password does.
    script = (
        "import sys, app\n"
        "from chalicelib.domain import passwords\n"
        "assert 'zxcvbn' not in sys.modules, 'imported at start-up'\n"
        "passwords.verify_password(None, 'Jshall#2024')\n"
        "assert 'zxcvbn' not in sys.modules, 'imported by verify_password'\n"
        "passwords.check_password('Jshall#2024')\n"
        "assert 'zxcvbn' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# -- hashing -----------------------------------------------------------------------------------


def argon2_parameters(encoded: str) -> tuple[str, dict[str, int]]:
    match = re.fullmatch(r"\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", encoded)
    assert match, encoded
    variant, m, t, p = match.groups()
    return variant, {"m": int(m), "t": int(t), "p": int(p)}


def test_hashes_are_argon2id_at_no_less_than_the_owasp_minimum():
    variant, params = argon2_parameters(hash_password("Jshall#2024"))
    assert variant == "argon2id"
    assert params["m"] >= 19 * 1024
    assert params["t"] >= 2
    assert params["p"] >= 1


def test_hashes_are_salted():
    assert hash_password("Jshall#2024") != hash_password("Jshall#2024")


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    stored = hash_password("Jshall#2024")
    assert verify_password(stored, "Jshall#2024") is True
    assert verify_password(stored, "Jshall#2025") is False
    assert verify_password(stored, "jshall#2024") is False


def test_a_hash_made_with_weaker_parameters_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("Jshall#2024")
    assert verify_password(weak, "Jshall#2024") is True  # still accepted...
    assert needs_rehash(weak) is True  # ...and replaced on this login
    assert needs_rehash(hash_password("Jshall#2024")) is False


@pytest.mark.parametrize(
    "made_with",
    [
        {},  # the hasher's own parameters
        {"time_cost": 3},
        {"memory_cost": 19 * 1024 * 2},
        {"memory_cost": 1945},  # a prefix of the current memory cost's digits
        {"parallelism": 2},
        {"salt_len": 8},
        {"salt_len": 17},
        {"hash_len": 16},
        {"type": "I"},
    ],
)
def test_needs_rehash_decides_what_argon2s_own_check_decides(made_with):
    from argon2 import Type

    current = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
    other = {**current, **made_with}
    if "type" in other:
        other["type"] = Type[other["type"]]
    stored = PasswordHasher(**other).hash("Jshall#2024")
    assert needs_rehash(stored) is passwords._hasher.check_needs_rehash(stored) is (made_with != {})


def test_needs_rehash_follows_the_hasher_in_use(monkeypatch):
    stored = hash_password("Jshall#2024")
    assert needs_rehash(stored) is False
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=3, memory_cost=19 * 1024, parallelism=1))
    assert needs_rehash(stored) is True


def test_a_garbled_stored_hash_verifies_nothing():
    assert verify_password("not-a-hash", "Jshall#2024") is False


class SpyHasher:
    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.verified: list[str] = []

    def verify(self, encoded, password):
        self.verified.append(encoded)
        return self.inner.verify(encoded, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("stored", [None, ""])
def test_no_account_still_costs_one_full_verify_and_never_succeeds(monkeypatch, stored):
    # GIVEN no stored hash (an unknown identifier), and a spy on the hasher
    spy = SpyHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    passwords._dummy_hash.cache_clear()
    dummy_password = "dummy-password-for-timing"
    spy.inner.verify(passwords._dummy_hash(), dummy_password)  # the dummy's own password is known here
    # WHEN any password, even the dummy's own, is verified against no hash
    results = [verify_password(stored, p) for p in ("Jshall#2024", dummy_password)]
    # THEN it fails, after verifying an argon2id hash with the real parameters (same cost)
    assert results == [False, False]
    assert len(spy.verified) == 2
    real = argon2_parameters(hash_password("x"))
    assert all(argon2_parameters(h) == real for h in spy.verified)
    passwords._dummy_hash.cache_clear()
