"""Dedupe through the real pipeline (SQLite file and PostgreSQL): which posts become one case."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from shikayat.complaint import Complaint, RawPost, utcnow
from shikayat.config import build_config
from shikayat.pipeline import Pipeline
from shikayat.plugins import Plugins
from shikayat.store import Store
from shikayat.testing.fakes import FakePlatform, normalize_fake
from shikayat.types import DuplicateReason

T0 = utcnow().replace(microsecond=0) - timedelta(days=1)


def post(post_id: str, text: str, *, author: str = "u1", hours: float = 0, platform: str = "fake",
         **extra: Any) -> RawPost:
    body = {"id": post_id, "author": author, "handle": f"user_{author}", "text": text,
            "created_at": (T0 + timedelta(hours=hours)).isoformat(), **extra}
    return RawPost(platform=platform, external_id=post_id, channel="city" if platform == "fake" else None,
                   payload=orjson.dumps(body))


def run(pipeline: Pipeline, store: Store, *posts: RawPost) -> dict[str, Complaint]:
    store.add_raw(list(posts))
    pipeline.drain()
    return {c.external_id: c for c in store.iter_complaints()}


def pipeline_with(store: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path,
                  **dedupe: Any) -> Pipeline:
    config = build_config({**config_raw, "dedupe": dedupe}, plugins, base=tmp_path)
    return Pipeline.from_config(config, plugins, store)


class OtherPlatform(FakePlatform):
    """A second platform speaking the fake payload (a WhatsApp-like one reports phones)."""

    name = "chat"

    def normalize(self, raw: RawPost) -> Complaint:
        return normalize_fake(raw).model_copy(update={"platform": "chat"})


# -- thread relations ----------------------------------------------------------------------


def test_replies_and_quotes_in_a_known_thread_support_the_original(pipeline: Pipeline, pstore: Store) -> None:
    original = post("o1", "@lkopolice Aliganj sector H mein kal raat 3 gharon mein chori hui, "
                          "patrolling bilkul nahi hoti, kripya dhyan dein", author="asha")
    by_id = run(pipeline, pstore, original)
    by_id = run(pipeline, pstore,
                post("r1", "@lkopolice same problem here sir", author="vikas", hours=1, reply_to="o1"),
                post("own", "Kripya apna mobile number DM karein", author="police", hours=1.5, reply_to="o1"),
                # a citizen answering our reply: the reply is never a complaint, the conversation is
                post("r2", "@lkopolice abhi tak koi action nahi hua", author="asha", hours=20, reply_to="own",
                     conversation_id="o1"),
                post("q1", "@uppolice please look into this https://x.com/i/status/o1", author="neha", hours=3,
                     quote_of="o1"),
                post("rt1", "RT @user_asha: Aliganj sector H mein kal raat", author="ravi", hours=4, repost_of="o1"))
    case = by_id["o1"].id
    for key in ("r1", "r2", "q1", "rt1"):
        assert (by_id[key].duplicate_of, by_id[key].duplicate_reason, by_id[key].duplicate_score) == (
            case, DuplicateReason.THREAD, 1.0), key
    assert "own" not in by_id
    # five posts; asha, vikas, neha, ravi: four people
    assert (by_id["o1"].support_posts, by_id["o1"].support_authors) == (5, 4)
    assert pstore.stats()["outbox_pending"] == 1         # thread support is not acknowledged again


def test_a_reply_that_is_a_complaint_of_its_own_is_a_new_case(pipeline: Pipeline, pstore: Store) -> None:
    run(pipeline, pstore, post("o1", "Hazratganj chauraha par 2 ghante se jam laga hai koi traffic police nahi hai"))
    by_id = run(pipeline, pstore,
                post("r1", "@uppolice sir isi thread mein bata raha hoon, mere padosi ne meri zameen par kabja kar "
                           "liya hai Chinhat mein aur thana sunvai nahi kar raha", author="u2", hours=1, reply_to="o1"),
                post("r2", "Hazratganj chauraha par ab bhi jam hai, 3 ghante ho gaye, koi traffic police nahi aaya "
                           "abhi tak", author="u3", hours=2, reply_to="o1"))
    assert by_id["r1"].duplicate_of is None                                   # long and different
    assert by_id["r2"].duplicate_of == by_id["o1"].id                           # long but the same matter
    assert by_id["r2"].duplicate_reason is DuplicateReason.THREAD and 0.3 <= (by_id["r2"].duplicate_score or 0) < 1


def test_a_reply_stating_another_vehicle_is_its_own_case(pipeline: Pipeline, pstore: Store) -> None:
    run(pipeline, pstore, post("o1", "Meri bike UP32 AB 1234 Gomti Nagar Vipul Khand se chori ho gayi kal raat"))
    by_id = run(pipeline, pstore,
                post("r1", "mere saath bhi hua, bike UP32 CD 5678", author="u2", hours=1, reply_to="o1"),
                post("r2", "same here, UP32AB1234 wali bike dikhi thi", author="u3", hours=1, reply_to="o1"))
    assert by_id["r1"].duplicate_of is None
    assert by_id["r2"].duplicate_of == by_id["o1"].id


def test_reposts_and_quotes_of_an_original_we_never_saw_fold_together(pipeline: Pipeline, pstore: Store) -> None:
    by_id = run(pipeline, pstore,
                post("rt1", "RT @someone: छात्रा का पीछा करते हैं रोज़ स्कूल के बाहर", author="u1", repost_of="x9"),
                post("rt2", "RT @someone: छात्रा का पीछा करते हैं रोज़ स्कूल के बाहर", author="u2", hours=1,
                     repost_of="x9"),
                post("q1", "@uppolice कृपया संज्ञान लें", author="u3", hours=2, quote_of="x9"))
    assert by_id["rt1"].duplicate_of is None
    assert by_id["rt2"].duplicate_of == by_id["rt1"].id and by_id["rt2"].duplicate_reason is DuplicateReason.THREAD
    assert by_id["q1"].duplicate_of == by_id["rt1"].id
    assert by_id["rt1"].support_authors == 3


# -- the same author -----------------------------------------------------------------------


def test_same_author_repeat_with_more_detail_folds(pipeline: Pipeline, pstore: Store) -> None:
    by_id = run(pipeline, pstore,
                post("a1", "sir meri bike chori ho gayi gomti nagar se"),
                post("a2", "sir meri bike chori ho gayi gomti nagar se kal raat vipul khand, UP32 AB 1234, "
                           "thane wale FIR nahi likh rahe", hours=5),
                post("b1", "sir meri bike chori ho gayi gomti nagar se kal raat vipul khand, UP32 AB 1234, "
                           "thane wale FIR nahi likh rahe", author="u2", hours=6))
    assert by_id["a2"].duplicate_of == by_id["a1"].id and by_id["a2"].duplicate_reason is DuplicateReason.SAME_AUTHOR
    assert 0.5 <= (by_id["a2"].duplicate_score or 0) < 1
    # another author copying the detailed post joins the same case (through the edited repeat)
    assert by_id["b1"].duplicate_of == by_id["a1"].id and by_id["b1"].duplicate_reason is DuplicateReason.NEAR_DUPLICATE


def test_same_author_on_another_platform_is_known_by_phone(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    plugins.platforms["chat"] = OtherPlatform()
    pipeline = pipeline_with(pstore, plugins, config_raw, tmp_path)
    by_id = run(pipeline, pstore,
                post("x1", "Mere bete ka phone chheen liya Charbagh station ke bahar do ladko ne", author="tw1",
                     phone="+91 98765 43210"),
                post("w1", "Mere bete ka phone Charbagh station ke bahar chheen liya do ladko ne, please help",
                     author="wa1", platform="chat", phone="9876543210", hours=2),
                post("w2", "Mere bete ka phone chheen liya Charbagh station ke bahar do ladko ne", author="wa2",
                     platform="chat", hours=3))
    assert by_id["w1"].duplicate_reason is DuplicateReason.SAME_AUTHOR and by_id["w1"].duplicate_of == by_id["x1"].id
    # a second account with nothing linking it: still folds, as another author's near-duplicate
    assert by_id["w2"].duplicate_reason is DuplicateReason.NEAR_DUPLICATE and by_id["w2"].duplicate_of == by_id["x1"].id
    assert (by_id["x1"].support_posts, by_id["x1"].support_authors) == (3, 2)


def test_handles_link_authors_only_on_listed_platforms(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    plugins.platforms["chat"] = OtherPlatform()
    text = "Aminabad market mein jeb katri ho gayi purse gaya kripya madad karein aaj shaam"
    edited = "Aminabad market me aaj shaam jeb katri ho gayi, purse chala gaya, kripya madad karein sir"
    for listed, expected in ((["fake", "chat"], DuplicateReason.SAME_AUTHOR), ([], None)):
        pipeline = pipeline_with(pstore, plugins, config_raw, tmp_path, handle_platforms=listed)
        suffix = "l" if listed else "n"
        by_id = run(pipeline, pstore, post(f"a{suffix}", text, author=f"tw{suffix}", hours=0),
                    post(f"b{suffix}", edited, author=f"ch{suffix}", platform="chat", hours=1,
                         handle=f"user_tw{suffix}"))
        assert by_id[f"b{suffix}"].duplicate_reason is expected


# -- different authors: window and threshold -----------------------------------------------


def test_other_authors_fold_within_their_window_only(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    pipeline = pipeline_with(pstore, plugins, config_raw, tmp_path, others_window="2d")
    text = "Indira Nagar sector 14 mein raat bhar DJ baj raha hai, bachche pareshan hain, band karwaiye"
    by_id = run(pipeline, pstore, post("d1", text, author="u1"),
                post("d2", text + " please", author="u2", hours=30),
                post("d3", text + " sir", author="u3", hours=80),      # more than 2 days after d1
                post("d4", text + " jaldi", author="u1", hours=90))    # the first author: 7-day window
    assert by_id["d2"].duplicate_of == by_id["d1"].id
    assert by_id["d3"].duplicate_of is None
    assert by_id["d4"].duplicate_of == by_id["d1"].id and by_id["d4"].duplicate_reason is DuplicateReason.SAME_AUTHOR


def test_other_authors_need_more_similarity_than_the_same_author(
        pipeline: Pipeline, pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    first = "Aliganj sector H me kal raat 3 gharon me chori hui, police patrolling nahi hoti, kripya dhyan de"
    rewritten = "Aliganj sector H mein kal raat 3 gharo me chori hui, patrolling bilkul nahi hoti hai, dhyan dijiye"
    by_id = run(pipeline, pstore, post("s1", first, author="u1"), post("s2", rewritten, author="u1", hours=1))
    assert by_id["s2"].duplicate_reason is DuplicateReason.SAME_AUTHOR
    # the same two texts by two people: below the other-authors threshold (a fresh index)
    others = pipeline_with(pstore, plugins, config_raw, tmp_path)
    by_id = run(others, pstore, post("o1", first, author="u5", hours=2), post("o2", rewritten, author="u6", hours=3))
    assert by_id["o2"].duplicate_of is None
    # …unless the deployment lowers it
    lenient = pipeline_with(pstore, plugins, config_raw, tmp_path, others_similarity=0.45)
    by_id = run(lenient, pstore, post("l1", first, author="u7", hours=4), post("l2", rewritten, author="u8", hours=5))
    assert by_id["l2"].duplicate_of == by_id["l1"].id


def test_short_generic_posts_by_different_authors_stay_apart(pipeline: Pipeline, pstore: Store) -> None:
    by_id = run(pipeline, pstore, post("g1", "please help sir", author="u1"),
                post("g2", "please help sir", author="u2", hours=1))
    assert by_id["g2"].duplicate_of is None


# -- hard negatives: specifics keep look-alike posts apart ---------------------------------

HARD_NEGATIVES = {
    "number": ("Sir mere account se 25000 rupaye kat gaye, kisi ne bank wala bankar call kiya aur OTP le liya. "
               "Please help @cyberdost",
               "Sir mere account se 40,000 rupaye kat gaye, kisi ne bank wala bankar call kiya aur OTP le liya. "
               "Please help @cyberdost"),
    "phone": ("KYC update ke naam par 98XXXXXX12 se call aaya aur mera account khali ho gaya, kripya madad karein",
              "KYC update ke naam par 70XXXXXX45 se call aaya aur mera account khali ho gaya, kripya madad karein"),
    "vehicle": ("Meri bike UP32 AB 1234 Gomti Nagar Vipul Khand se chori ho gayi kal raat, please help",
                "Meri bike UP32 CD 9876 Gomti Nagar Vipul Khand se chori ho gayi kal raat, please help"),
    "fir": ("मुकदमा संख्या 123/2026 थाना हजरतगंज में दर्ज है लेकिन अभी तक कोई कार्रवाई नहीं हुई, कृपया संज्ञान लें",
            "मुकदमा संख्या 456/2026 थाना हजरतगंज में दर्ज है लेकिन अभी तक कोई कार्रवाई नहीं हुई, कृपया संज्ञान लें"),
    "date": ("Chain snatching at Kapoorthala crossing on 12/10, two men on a black Pulsar, no patrolling there",
             "Chain snatching at Kapoorthala crossing on 19/10, two men on a black Pulsar, no patrolling there"),
    "time": ("रात 10 बजे हजरतगंज में दो बाइक सवारों ने महिला की चेन छीनी, पुलिस गश्त नहीं करती",
             "सुबह 6 बजे हजरतगंज में दो बाइक सवारों ने महिला की चेन छीनी, पुलिस गश्त नहीं करती"),
    "name": ("Meri beti Priya kal se ghar nahi aayi, Chinhat se gayab hai, kripya madad karein",
             "Meri beti Sunita kal se ghar nahi aayi, Chinhat se gayab hai, kripya madad karein"),
}


@pytest.mark.parametrize("guard", sorted(HARD_NEGATIVES))
def test_conflicting_specifics_keep_look_alike_cases_apart(
        guard: str, pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    a, b = HARD_NEGATIVES[guard]
    pipeline = pipeline_with(pstore, plugins, config_raw, tmp_path)
    by_id = run(pipeline, pstore, post("h1", a, author="u1"), post("h2", b, author="u2", hours=2))
    assert by_id["h2"].duplicate_of is None, guard
    # the guard is what keeps them apart: without it, the same pair folds
    others = [g for g in HARD_NEGATIVES if g != guard]
    loose = pipeline_with(pstore, plugins, config_raw, tmp_path, guards=others)
    by_id = run(loose, pstore, post("h3", a, author="u3", hours=3), post("h4", b, author="u4", hours=4))
    assert by_id["h4"].duplicate_of == by_id["h3"].id, guard


@pytest.mark.parametrize(("a", "b"), [
    # the same specifics written differently: still one case
    ("Sir mere account se 25000 rupaye kat gaye, bank wala bankar call kiya 98XXXXXX12 se, OTP le liya, help",
     "Sir mere account se 25,000 rupaye kat gaye, bank wala bankar call kiya 9812345612 se, OTP le liya, help"),
    ("Meri bike UP32 AB 1234 Gomti Nagar Vipul Khand se chori ho gayi kal raat, please help",
     "@uppolice meri bike up-32-ab-1234 Gomti Nagar Vipul Khand se chori ho gayi kal raat please help sir"),
    ("रात 10 बजे हजरतगंज में दो बाइक सवारों ने महिला की चेन छीनी, पुलिस गश्त नहीं करती",
     "रात 10:30 बजे हजरतगंज में दो बाइक सवारों ने महिला की चेन छीनी पुलिस गश्त नहीं करती @lkopolice"),
    # one post leaves a specific out: no conflict
    ("Loud DJ in Gomti Nagar sector 4 after midnight, nobody can sleep, please send PRV",
     "Loud DJ in Gomti Nagar sector 4 after midnight at 12:30, nobody can sleep, please send PRV"),
])
def test_matching_or_missing_specifics_still_fold(a: str, b: str, pipeline: Pipeline, pstore: Store) -> None:
    by_id = run(pipeline, pstore, post("m1", a, author="u1"), post("m2", b, author="u2", hours=1))
    assert by_id["m2"].duplicate_of == by_id["m1"].id
    assert by_id["m2"].duplicate_reason is DuplicateReason.NEAR_DUPLICATE


def test_exact_repeat_by_the_same_author_ignores_stale_relative_specifics(pipeline: Pipeline, pstore: Store) -> None:
    text = "Kal raat 11 baje Alambagh bus adda ke paas mera mobile chheen liya"
    by_id = run(pipeline, pstore, post("e1", text), post("e2", text, hours=30))
    assert by_id["e2"].duplicate_of == by_id["e1"].id and by_id["e2"].duplicate_score == 1.0


# -- support counts across a restart, the window -------------------------------------------


def test_support_counts_survive_a_restart_with_a_rebuilt_index(
        pipeline: Pipeline, pstore: Store, plugins: Plugins) -> None:
    text = "Chinhat thana kshetra mein padosi ne zameen par kabja kar liya hai, sunvai nahi ho rahi"
    run(pipeline, pstore, post("k1", text, author="u1"), post("k2", text + " please", author="u2", hours=1),
        post("k3", text, author="u1", hours=2))
    restarted = Pipeline(store=pstore, plugins=plugins, units=pipeline.units, channels=pipeline.channels,
                         index=type(pipeline.index)(settings=pipeline.index.settings))
    assert restarted.rebuild_index() == 3
    by_id = run(restarted, pstore,
                post("k4", text + " sir", author="u2", hours=3),         # a known supporter: no new author
                post("k5", text + " jaldi", author="u5", hours=4),       # a new one
                post("k6", "@uppolice isko dekhiye", author="u6", hours=5, quote_of="k2"))  # quotes a duplicate
    case = by_id["k1"]
    assert {by_id[k].duplicate_of for k in ("k2", "k3", "k4", "k5", "k6")} == {case.id}
    assert by_id["k6"].duplicate_of_docket == case.docket
    assert (case.support_posts, case.support_authors) == (6, 4)


def test_a_rebuild_in_several_chunks_knows_every_stored_complaint(
        pipeline: Pipeline, pstore: Store, plugins: Plugins, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuild derives features a chunk of rows at a time: every row of every chunk, the
    last short one included, is indexed (repeats of each fold, by author and by text)."""
    places = ["Hazratganj", "Aliganj", "Chinhat", "Alambagh", "Aminabad", "Mahanagar", "Chowk"]
    texts = [f"{place} mein {what} ho gaya kal raat, thane mein koi sunvai nahi"
             for place, what in zip(places, ["mobile chori", "jhagda", "kabja", "bike chori", "purse chori",
                                             "maarpeet", "chain snatching"], strict=True)]
    run(pipeline, pstore, *(post(f"s{i}", t, author=f"u{i}", hours=i) for i, t in enumerate(texts)))
    monkeypatch.setattr("shikayat.pipeline.dedupe._REBUILD_CHUNK", 3)
    restarted = Pipeline(store=pstore, plugins=plugins, units=pipeline.units, channels=pipeline.channels,
                         index=type(pipeline.index)(settings=pipeline.index.settings))
    assert restarted.rebuild_index() == 7 and len(restarted.index) == 7
    by_id = run(restarted, pstore,
                *(post(f"again{i}", t, author=f"u{i}", hours=8) for i, t in enumerate(texts)),
                *(post(f"copy{i}", t + " please", author=f"v{i}", hours=9) for i, t in enumerate(texts)))
    for i in range(7):
        assert by_id[f"again{i}"].duplicate_of == by_id[f"s{i}"].id
        assert by_id[f"again{i}"].duplicate_reason is DuplicateReason.SAME_AUTHOR
        assert by_id[f"copy{i}"].duplicate_of == by_id[f"s{i}"].id


def test_the_index_forgets_posts_older_than_the_window(
        pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    pipeline = pipeline_with(pstore, plugins, config_raw, tmp_path, window="1d", others_window="1d")
    text = "Mahanagar mein street light 2 hafte se band hai, raat ko chhed chhad hoti hai"
    run(pipeline, pstore, *(post(f"w{i}", f"{text} {i}", author=f"u{i}", hours=i * 6) for i in range(10)))
    by_id = run(pipeline, pstore, post("late", text, author="u0", hours=70))
    # a wave goes on as long as its copies keep coming within others_window of each other…
    assert {by_id[f"w{i}"].duplicate_of for i in range(1, 10)} == {by_id["w0"].id}
    # …but the case is found through its first post: once that is older than the window, the
    # index has forgotten it (u0's own post included) and a later post starts a new case
    assert by_id["late"].duplicate_of is None
    pipeline.index.prune()
    assert len(pipeline.index) == 3 and len(pipeline.index.near) == 3       # w8, w9, late


# -- follow-ups: the same author in other words --------------------------------------------


def test_a_short_reply_in_a_known_thread_supports_it_even_with_other_words(pipeline: Pipeline, pstore: Store) -> None:
    run(pipeline, pstore, post("o1", "Accident at Charbagh station gate right now, auto overturned, two people "
                                     "bleeding on the road, send ambulance", author="u1"))
    by_id = run(pipeline, pstore,
                post("r1", "@user_u1 yes saw it, one old man is unconscious near the gate", author="u2",
                     hours=0.2, reply_to="o1"))
    assert by_id["r1"].duplicate_of == by_id["o1"].id and by_id["r1"].duplicate_reason is DuplicateReason.THREAD


@pytest.mark.parametrize("later", [
    "he came to my house at night and threatened again. Nobody from the thana has called.",   # follow-up words
    "अभी तक कोई कार्रवाई नहीं हुई, परिवार डरा हुआ है",                                              # …in Devanagari
    "polytechnic chauraha gazipur - sirf ek sipahi aaya tha photo kheech ke chala gaya",     # the place's words
    "sir 48500 wala case, ack number mila, paise wapas kab milenge",                           # a shared amount
])
def test_the_same_author_following_up_in_other_words_joins_their_case(
        later: str, pipeline: Pipeline, pstore: Store) -> None:
    first = ("gazipur thana area me polytechnic chauraha ke peeche wali gali me 3 ghar ke taale toote, "
             "mere account se 48,500 bhi gaye, log dare hue hai")
    by_id = run(pipeline, pstore, post("f1", first, author="u1"), post("f2", later, author="u1", hours=20))
    assert by_id["f2"].duplicate_of == by_id["f1"].id
    assert by_id["f2"].duplicate_reason is DuplicateReason.SAME_AUTHOR


def test_the_same_author_on_another_matter_or_too_late_is_a_new_case(
        pipeline: Pipeline, pstore: Store, plugins: Plugins, config_raw: dict[str, Any], tmp_path: Path) -> None:
    first = "Meri bike UP32 AB 1234 Gomti Nagar Vipul Khand se chori ho gayi kal raat, FIR nahi likh rahe"
    by_id = run(pipeline, pstore, post("m1", first, author="u1"),
                post("m2", "Hazratganj market me DJ bahut tez baj raha hai, sona mushkil", author="u1", hours=5),
                post("m3", "bike UP32 CD 9999 ka abhi tak kuch pata nahi chala", author="u1", hours=6),
                post("m4", "Vipul Khand bike chori ka abhi tak kuch nahi hua", author="u1", hours=4 * 24))
    assert by_id["m2"].duplicate_of is None       # nothing in common, no follow-up words
    assert by_id["m3"].duplicate_of is None       # a follow-up, but of another vehicle
    assert by_id["m4"].duplicate_of is None       # past the 3-day follow-up window
    shorter = pipeline_with(pstore, plugins, config_raw, tmp_path, follow_up_window="1h")
    by_id = run(shorter, pstore, post("n1", first, author="u9", hours=5 * 24),
                post("n2", "Vipul Khand bike chori ka abhi tak kuch nahi hua", author="u9", hours=5 * 24 + 2))
    assert by_id["n2"].duplicate_of is None


def test_a_follow_up_may_bring_a_new_amount_but_not_a_new_vehicle(pipeline: Pipeline, pstore: Store) -> None:
    by_id = run(pipeline, pstore,
                post("a1", "my cousin got a video call, they recorded it and now threaten to upload it unless he "
                           "pays 50,000. Aliganj.", author="u1"),
                post("a2", "they are calling him again from a new number, asking 20k now", author="u1", hours=5),
                post("a3", "Hazratganj me 30,000 ka mobile chheena gaya", author="u1", hours=6))
    assert by_id["a2"].duplicate_of == by_id["a1"].id
    assert by_id["a3"].duplicate_of is None       # a different amount and no sign of a follow-up
