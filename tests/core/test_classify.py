"""The default classifier on posts as people write them to police accounts on X and WhatsApp:
Hindi, English and Hinglish, typos, no punctuation, tagged handles."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shikayat.classify import Classifier, classifier_for, refine_language
from shikayat.complaint import Author, Complaint, detect_language
from shikayat.decisions import Classification, DecisionContext
from shikayat.defaults.classify import classify_complaint
from shikayat.phrases import words
from shikayat.pipeline.dedupe import DedupeIndex
from shikayat.taxonomy import load_taxonomy, shipped_taxonomy
from shikayat.textnorm import normalize_text
from shikayat.types import Language, Priority
from shikayat.units import UnitsDirectory
from shikayat.vocabulary import MAX_SHARED, Vocabulary

CRITICAL, HIGH, NORMAL, LOW = Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW


def classify(text: str) -> Classification:
    return classifier_for(shipped_taxonomy()).classify(normalize_text(text), detect_language(text))


@pytest.mark.parametrize(("text", "category", "priority"), [
    # property crime
    ("@Uppolice sir meri bike chori ho gayi aminabad se UP32 AB 1234 plz help", "vehicle_theft", NORMAL),
    ("ghar ke bahar se meri scooty chori ho gayi @lkopolice", "vehicle_theft", NORMAL),
    ("my bike got stolen from hazratganj parking last night", "vehicle_theft", NORMAL),
    ("मेरा मोबाइल चोरी हो गया आलमबाग बस स्टैंड से @uppolice कृपया मदद करें", "theft", NORMAL),
    ("@uppolice meri chain chheen li hazratganj mein abhi 2 ladke bike pe the", "chain_snatching", CRITICAL),  # just now
    ("@uppolice #ChainSnatching again in Gomti Nagar 3rd time this week", "chain_snatching", HIGH),
    ("Mobile chhin kar bhag gaye scooty wale Indira nagar @uppolice", "mobile_snatching", HIGH),
    ("गोरखपुर में रात को चोरों ने दुकान का ताला तोड़ दिया @uppolice", "burglary", HIGH),
    ("mere ghar ka tala tod kar jewellery chori ho gayi", "burglary", HIGH),
    ("@uppolice tourists se loot ho rahi hai auto wale", "robbery", HIGH),
    ("gaay chori ho gayi raat me khoonta ukhaad le gaye", "cattle_theft", HIGH),
    # violence
    ("@rajpolice mere bhai ko kuch logon ne laathi danda se peet diya sar phat gaya", "assault", HIGH),
    ("मेरे भाई के साथ गांव के दबंगों ने मारपीट की, सिर में चोट है", "assault", HIGH),
    ("pados me ek aadmi ki hatya ho gayi hai laash ghar me padi hai", "murder", HIGH),
    ("Mere dukan pe rangdari maang rahe hain 2 lakh", "extortion", HIGH),
    ("koi ladki ko jabardasti gaadi me daal kar le gaye abhi abhi", "kidnapping", CRITICAL),
    # women and children
    ("my sister is being harassed by boys near coaching, they pass vulgar comments daily", "sexual_harassment", HIGH),
    ("ek ladka roz college tak peecha karta hai aur phone par pareshan karta hai", "stalking", HIGH),
    ("मेरी बेटी का पीछा एक लडका रोज करता है स्कूल जाते समय", "stalking", HIGH),
    ("metro me ek aadmi ne galat tarike se chhua maine shor machaya", "molestation", HIGH),
    ("पति रोज़ मारपीट करता है दहेज़ के लिए, प्रयागराज, @uppolice मदद करें", "dowry_harassment", HIGH),
    ("sir mere husband roz sharab peekar marte hain bacchon ke saamne", "domestic_violence", HIGH),
    ("ek ladki par tezab phenk diya gaya hai college ke bahar", "acid_attack", CRITICAL),
    ("Sir mera 6 saal ka beta school se ghar nahi aaya bahut dhunda", "missing_child", CRITICAL),
    ("dulhan ki umar 15 saal hai kal shaadi ho rahi hai gaon me", "child_marriage", HIGH),
    ("dhaabe par chhote bacche kaam kar rahe hain 10 12 saal ke", "child_labour", NORMAL),
    ("gangrape ki ghatna hui hai gaon me police koi karyavahi nahi kar rahi", "rape", HIGH),
    # cyber and economic
    ("@uppolice mere account se 25000 UPI fraud ho gaya OTP nahi diya fir bhi paise kat gaye", "cyber_fraud", HIGH),
    ("my 2 lakh rupees were debited after i clicked a link in sms, called 1930 also", "cyber_fraud", HIGH),
    ("साइबर ठगों ने मेरे खाते से 40 हजार रुपये निकाल लिए", "cyber_fraud", HIGH),
    ("Telegram par task ke naam par 3 lakh thag liye", "online_job_loan_fraud", NORMAL),
    ("mujhe video call aayi aur ab nude video viral karne ki dhamki de rahe hain", "sextortion", HIGH),
    ("fake Facebook profile banakar meri behen ko pareshan kar raha hai koi", "fake_profile", NORMAL),
    ("hamari zameen par dabangon ne kabza kar liya hai tehsil me bhi sunwai nahi", "land_dispute", NORMAL),
    ("chhat se nakli note chhap rahe hain 500 ke", "fake_currency", HIGH),
    # public order
    ("हमारे गांव में अवैध शराब बिक रही है, थाना पुलिस कुछ नहीं करती", "illegal_liquor", NORMAL),
    ("Near railway station ganja and smack is being sold to school kids", "drugs", HIGH),
    ("park me roz jua khela jata hai satta bhi lagta hai", "gambling", NORMAL),
    ("ek ladka insta par desi katta ke saath photo daal raha hai", "illegal_arms", HIGH),
    ("रात 2 बजे तक डीजे बज रहा है, बच्चे पढ नहीं पा रहे", "noise_pollution", LOW),
    ("gaon me do samuday ke beech tanav hai pathrav ho raha hai", "communal_tension", CRITICAL),
    ("ek lawaris bag pada hai charbagh station platform 3 par", "suspicious_activity", HIGH),
    ("padosi naali ka paani hamare ghar ki taraf chhod dete hain mana karne par gali", "neighbour_dispute", NORMAL),
    # traffic
    ("bahut bada jam laga hai polytechnic chauraha par 1 ghante se", "traffic_jam", NORMAL),
    ("wrong parking se poora rasta band hai Kaiserbagh bus adda jam laga hai", "wrong_parking", NORMAL),
    ("ek truck wala sharab peekar gaadi chala raha hai highway par", "drunk_driving", HIGH),
    ("road accident on Shaheed Path, two injured lying on road, please send ambulance", "road_accident", CRITICAL),
    ("bike wale ladke stunt kar rahe hain marine drive par roz", "rash_driving", NORMAL),
    # police service and other
    ("थाने में शिकायत की पर एफआईआर दर्ज नहीं की गई", "police_inaction", NORMAL),
    ("police wale ne thane me mujhe thappad mara aur gaali di", "police_misconduct", HIGH),
    ("mera aadhar card aur PAN card kho gaya hai bazar me", "lost_documents", LOW),
    ("Sir 2 mahine se passport verification pending hai", "verification_request", LOW),
    ("मेरी बेटी 19 साल की है, कल शाम से लापता है", "missing_person", HIGH),
    ("aag lag gayi hai Chowk ke paas godown me fire brigade bhejiye", "fire", CRITICAL),
    ("mere dost ne fansi laga li hai kamra band hai", "suicide_attempt", CRITICAL),
    ("kisi ne kutte ke bacchon ko zehar de diya", "animal_cruelty", NORMAL),
    ("sir main buzurg hoon beta aur bahu ghar se nikal rahe hain", "senior_citizen_harassment", NORMAL),
    # English as typed to city police handles
    ("@DelhiPolice a man is following me in the metro, I am scared", "stalking", CRITICAL),
    ("Someone hacked my instagram account and is asking my friends for money", "fake_profile", NORMAL),
    ("I received a call saying my son is arrested, they asked for 50000, is this digital arrest?",
     "cyber_fraud", HIGH),
    ("A truck has overturned on the highway near Unnao, many people injured", "road_accident", CRITICAL),
    ("Bike snatchers on Ring Road, they took my bag and fled", "robbery", HIGH),
    ("people are bursting crackers after 10 pm, noise is unbearable", "noise_pollution", LOW),
    ("the SHO refused to register my FIR for my stolen laptop", "police_inaction", NORMAL),
    ("bhai log ne mere dost ko chaku maar diya, hospital le ja rahe hain", "attempt_to_murder", HIGH),
    ("ek aadmi apne aap ko crime branch ka officer bata kar paise maang raha hai", "cheating", NORMAL),
])
def test_real_posts_get_their_category_and_priority(text: str, category: str, priority: Priority) -> None:
    result = classify(text)
    assert (result.category, result.priority) == (category, priority), result.reason
    assert result.actionable


@pytest.mark.parametrize(("text", "category"), [
    ("Happy Diwali to all @Uppolice jawans jai hind", "greetings"),
    ("आप सभी को दीपावली की हार्दिक शुभकामनाएं", "greetings"),
    ("@uppolice jai hind jai bharat", "greetings"),
    ("@uppolice thank you for the quick help yesterday, great work Lucknow police", "praise"),
    ("पुलिस का बहुत बहुत धन्यवाद, मेरा खोया फोन मिल गया", "praise"),
    ("@uppolice BJP zindabad modi ji ko vote karo", "political_content"),
    ("@uppolice beti bachao beti padhao abhiyan ke liye dhanyavad", "political_content"),
    ("Earn 5000 daily from home!! DM now, click here for free followers", "spam"),
    ("@uppolice how can i apply for character certificate online?", "general_query"),
])
def test_non_actionable_posts_never_become_cases(text: str, category: str) -> None:
    result = classify(text)
    assert (result.category, result.actionable, result.priority) == (category, False, LOW), result.reason
    assert "(not actionable)" in result.reason


@pytest.mark.parametrize("text", [
    "@uppolice sir FIR nahi likhi ja rahi please help jai hind",                   # a category and a salute
    "@uppolice sir street light 2 hafte se kharab hai please help, jai hind",     # no category, asks for help
    "sir hamare mohalle me bijli ke taar latak rahe hain kripya dhyan dein dhanyavad",  # thanks at the end
])
def test_a_complaint_with_praise_or_greetings_stays_a_complaint(text: str) -> None:
    result = classify(text)
    assert result.actionable and result.category not in {"praise", "greetings"}, result.reason


@pytest.mark.parametrize(("text", "not_category"), [
    ("jama masjid ke paas mera mobile chori ho gaya", "traffic_jam"),          # "jama" is not "jam" + a
    ("जामा मस्जिद के पास भीड है", "traffic_jam"),
    ("bank me paise jama kiye the", "traffic_jam"),
    ("nasha mukt bharat abhiyan ko salaam", "drugs"),                          # a campaign, not a drug
    ("the heroine of the film visited the thana", "drugs"),                    # heroin + e is no inflection
    ("koi ghar me ghus aaya hai", "police_misconduct"),                        # ghus (entered) is not ghoos
])
def test_false_friends_do_not_match(text: str, not_category: str) -> None:
    result = classify(text)
    assert result.category != not_category and not_category not in result.reason, result.reason


def test_the_fallback_words_never_beat_a_category() -> None:
    result = classify("please help please take action my phone stolen")
    assert result.category == "theft"
    result = classify("please help, jai hind")
    assert (result.category, result.actionable) == ("uncategorised", True)
    assert result.reason == 'matched "please help" → uncategorised; also greetings ("jai hind")'
    assert classify("road pe gadde hain").reason == "no keyword matched → uncategorised"


# -- emergencies -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "@uppolice bachao koi ghar me ghus aaya hai Jankipuram sector F",
    "बचाओ बचाओ कोई घर में घुस आया है",
    "@112UttarPradesh help help someone broke in",
    "bachao nahi to ye log maar dalenge",                                # "nahi to" is "or else"
    "Meerut me goli chal rahi hai abhi Lisadi gate ke paas",
    "they are beating me right now please come fast",
    "accident hua aur truck driver bhag gaya ek aadmi ghayal pada hai",
    "there were 4 men outside with sticks, they will kill me",          # "were" is not right before
    "I can not breathe, help help",
])
def test_emergency_phrases_raise_to_critical(text: str) -> None:
    result = classify(text)
    assert result.priority is CRITICAL and result.actionable, result.reason
    assert "emergency" in result.reason


@pytest.mark.parametrize("text", [
    "@uppolice beti bachao beti padhao abhiyan bahut accha hai",        # a slogan
    "@uppolice jaan ka khatra tha par ab sab theek hai, thanks",         # past
    "जान का खतरा नहीं है, बस झगडा हुआ था",                                 # denied
    "I was being followed last week near the market",                    # past
    "please help me, my phone was stolen at charbagh",                  # "help me" is no emergency
])
def test_a_past_denied_or_slogan_emergency_does_not_raise(text: str) -> None:
    result = classify(text)
    assert result.priority is not CRITICAL, result.reason


def test_reason_names_what_matched_in_words() -> None:
    result = classify("@uppolice bachao!! meri chain kheench li Aliganj mein")
    assert result.category == "chain_snatching" and result.priority is CRITICAL
    assert result.reason == 'matched "chain kheench" → chain_snatching; emergency "bachao" → critical'
    result = classify("jaan ka khatra tha")
    assert result.reason == 'words "khatra" → threat_to_life; emergency "jaan ka khatra" not counted (before "tha")'


def test_an_emergency_without_an_actionable_category_is_a_complaint() -> None:
    result = classify("happy diwali bachao bachao")
    assert (result.category, result.actionable, result.priority) == ("uncategorised", True, CRITICAL)


# -- flags ------------------------------------------------------------------------------------


def test_sensitive_from_the_category_another_matched_category_or_an_emergency_phrase() -> None:
    assert classify("dahej ke liye sasural wale pareshan karte hain").sensitive          # the category
    result = classify("gangrape ki ghatna hui hai, koi karyavahi nahi, fir nahi likh rahe thana")
    assert result.sensitive
    result = classify("padosi ne maarpeet ki, gundagardi karte hain, beti se chhedchhad bhi ki")  # another category
    assert result.category == "assault" and result.sensitive and "sensitive from sexual_harassment" in result.reason
    result = classify("alone and scared, a car is parked outside since an hour")    # an emergency phrase
    assert (result.category, result.priority, result.sensitive) == ("uncategorised", CRITICAL, True)
    assert not classify("meri bike chori ho gayi").sensitive


def test_a_more_specific_category_wins_and_keeps_the_general_ones_urgency() -> None:
    result = classify("meri bike chori ho gayi")                 # theft's "chori ho gayi", vehicle_theft's "bike chori"
    assert result.category == "vehicle_theft"
    assert result.reason == 'matched "bike chori", "chori ho gayi" → vehicle_theft'
    result = classify("hit and run near polytechnic, accident hua")
    assert (result.category, result.priority) == ("hit_and_run", CRITICAL)   # road_accident's critical
    assert "priority critical from road_accident" in result.reason


def test_a_match_inside_a_longer_match_does_not_count() -> None:
    result = classify("sandigdh vyakti ghoom raha hai")
    assert result.reason == 'matched "sandigdh vyakti" → suspicious_activity'
    result = classify("daru peekar gaadi chala raha hai")        # "daru" (illegal_liquor) inside drunk driving
    assert result.category == "drunk_driving" and "illegal_liquor" not in result.reason


# -- matching ---------------------------------------------------------------------------------


def test_python_word_boundaries_break_on_devanagari_vowel_signs() -> None:
    # Why the matcher splits words itself: \b sees a boundary after every vowel sign.
    assert re.search(r"\bचोरी\b", "मोबाइल चोरी हो गया") is None
    assert re.search(r"\bचेन\b", "चेनी") is not None
    assert words("मोबाइल चोरी हो गया") == ["मोबाइल", "चोरी", "हो", "गया"]


def _tiny(tmp_path: Path, keywords: str) -> Classifier:
    path = tmp_path / "tiny.yaml"
    path.write_text("categories:\n- {code: tiny, name: {en: Tiny}, priority: high, keywords: " + keywords + "}\n",
                    encoding="utf-8")
    return Classifier(load_taxonomy([path]))


def test_whole_words_only_in_every_script(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path, "{latn: [chor bazar], hi: [चेन छीन, मोबाइल चोरी]}")
    assert tiny.classify("mobile chor bazar me").category == "tiny"
    assert tiny.classify("mobile chor bazaar me").category == "tiny"      # a spelling variant
    assert tiny.classify("mobile chor bazaarwala").category != "tiny"
    assert tiny.classify("मेरा मोबाइल चोरी।").category == "tiny"
    assert tiny.classify("मोबाइलचोरी हो गई").category == "tiny"          # written as one word (a hashtag)
    assert tiny.classify("मोबाइल चोरनी").category != "tiny"
    assert tiny.classify("मोबाइल चोरीयां").category != "tiny"         # not an inflection we know
    assert tiny.classify("चेनी छीन").category != "tiny"               # चेन is not a prefix of चेनी here


def test_the_last_word_matches_its_common_inflections(tmp_path: Path) -> None:
    tiny = _tiny(tmp_path, "{en: [kick], hi: [चेन छीन], latn: [tala tod]}")
    for text in ("he kicked me", "kicking", "kicks", "चेन छीनी", "चेन छीनकर ले गए", "चेन छीना",
                 "tala toda", "tala todkar"):
        assert tiny.classify(normalize_text(text)).category == "tiny", text
    for text in ("kickboxing", "चेन छीनियाँ", "tala todo"):
        assert tiny.classify(normalize_text(text)).category != "tiny", text


@pytest.mark.parametrize("text", [
    "padosi ne zameen par kabza kar liya",
    "padosi ne jamin par kabja kar lia",
    "padosi ne jameen pr kabjaa kr liya",
])
def test_romanized_spelling_variants_match_one_keyword(text: str) -> None:
    assert classify(text).category == "land_dispute"


def test_an_extension_taxonomy_classifies_through_the_hook(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("categories:\n"
                    "- {code: tractor_trolley_theft, name: {en: Trolley theft}, priority: normal,\n"
                    "   overrides: [vehicle_theft], keywords: {latn: [trolley chori]}}\n"
                    "emergency: {latn: [jaldi aao]}\n", encoding="utf-8")
    taxonomy = load_taxonomy([path])
    complaint = Complaint(platform="fake", external_id="1", author=Author(id="u"), created_at=datetime.now(UTC),
                          text="Tractor trolley chori ho gayi khet se, jaldi aao", language=Language.ENGLISH)
    context = DecisionContext(units=UnitsDirectory(), index=DedupeIndex(), now=datetime.now(UTC), taxonomy=taxonomy)
    result = classify_complaint(complaint=complaint, context=context)
    assert (result.category, result.priority, result.language) == ("tractor_trolley_theft", CRITICAL, Language.MIXED)
    default = DecisionContext(units=UnitsDirectory(), index=DedupeIndex(), now=datetime.now(UTC))
    assert default.taxonomy is shipped_taxonomy()
    result = classify_complaint(complaint=complaint, context=default)
    assert result.category == "vehicle_theft"                                 # the shipped taxonomy's word


def test_one_classifier_per_taxonomy() -> None:
    assert classifier_for(shipped_taxonomy()) is classifier_for(shipped_taxonomy())
    assert classifier_for(shipped_taxonomy()).size > 1500


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "language"), [
    ("mera phone chori ho gaya", Language.MIXED),
    ("sir koi FIR nahi likh raha thane me", Language.MIXED),
    ("my phone was stolen at the ki road bus stop", Language.ENGLISH),   # one Hindi-looking word
    ("please help me sir", Language.ENGLISH),
    ("मेरा फोन चोरी हो गया", Language.HINDI),
])
def test_romanized_hindi_reads_as_mixed(text: str, language: Language) -> None:
    detected = detect_language(text)
    assert refine_language(detected, words(normalize_text(text))) is language
    assert classify(text).language is language


# -- when it happens, cues, non-actionable posts ---------------------------------------------


@pytest.mark.parametrize(("text", "category", "priority"), [
    ("@uppolice abhi do ladke ek aadmi ko lathi dando se maar rahe hain station road pe", "assault", CRITICAL),
    ("a mob is beating a man right now near the bus stand, come fast", "mob_lynching", CRITICAL),
    ("there was a road accident on the highway yesterday, my uncle is in hospital", "road_accident", HIGH),
    ("कल रात हाईवे पर ट्रक और कार की टक्कर हुई, चालक अस्पताल में है", "road_accident", HIGH),
    ("accident hua hai abhi, kal raat se light bhi nahi hai", "road_accident", CRITICAL),    # now wins
    ("abhi pata chala ki ghar me chori ho gayi", "burglary", HIGH),                        # not urgent now
    ("kal mere bhai ko padosi ne peet diya", "assault", HIGH),
])
def test_now_raises_an_urgent_category_and_the_past_lowers_a_critical_one(
        text: str, category: str, priority: Priority) -> None:
    result = classify(text)
    assert (result.category, result.priority) == (category, priority), result.reason


def test_the_reason_names_the_words_of_time() -> None:
    assert classify("मेरे भाई को अभी कुछ लोग पीट रहे").reason.endswith('now "अभी" in assault → critical')
    assert classify("a house caught fire last night in our lane").reason == (
        'matched "caught fire" → fire; past "last night" → high')


def test_a_cue_names_the_kind_only_of_a_category_it_overrides() -> None:
    result = classify("meri activa aaj office ke bahar se chori ho gayi")
    assert result.category == "vehicle_theft"
    assert result.reason == 'matched "activa", "chori ho gayi" → vehicle_theft'
    assert classify("meri activa start nahi ho rahi, service center wale paise maang rahe").category != "vehicle_theft"
    assert classify("दुकान के सामने रोज़ जाम लगता है").category == "traffic_jam"          # "दुकान": no theft here


@pytest.mark.parametrize("text", [
    "aaj subah aliganj thane ki team ne mohalle me bahut accha kaam kiya, poori colony ki taraf se shukriya",
    "Thank you officers of the night patrol in our sector for making the area feel so safe, we all noticed",
    "नगर निगम चुनाव में इस बार जनता नेता बदलेगी, सरकार सब देख रही है",
])
def test_a_non_actionable_post_of_many_other_words_is_still_not_a_case(text: str) -> None:
    result = classify(text)
    assert not result.actionable and "(not actionable)" in result.reason, result.reason


# -- the vocabulary fallback ------------------------------------------------------------------


def test_words_of_one_category_decide_when_no_phrase_matched() -> None:
    vocabulary = Vocabulary([("vehicle_theft", ["scooty chori", "bike stolen"]),
                             ("theft", ["chori ho gayi", "stolen"]), ("fire", ["aag lagi"])])
    guess = vocabulary.guess(words("meri scooty subah se nahi mil rahi"))
    assert guess is not None and (guess.code, guess.words) == ("vehicle_theft", ("scooty",))
    assert vocabulary.guess(words("kuch chori jaisa laga")) is None            # shared: a tie, no guess
    guess = vocabulary.guess(words("scooty aur saman chori"))                  # own word + a shared one
    assert guess is not None and guess.code == "vehicle_theft" and guess.score == 1.5
    assert vocabulary.guess(words("the police station sir please")) is None     # only stopwords


def test_a_word_shared_by_too_many_categories_says_nothing() -> None:
    common = [(f"c{i}", ["gaadi ruki"]) for i in range(MAX_SHARED + 1)]
    vocabulary = Vocabulary([*common, ("fire", ["lapten uthi"])])
    assert vocabulary.guess(words("gaadi khadi hai")) is None
    guess = vocabulary.guess(words("gaadi me lapten"))
    assert guess is not None and guess.code == "fire"


def test_the_classifier_falls_back_to_the_vocabulary_and_says_so() -> None:
    result = classify("meri scooty subah se gayab, dhoondh ke thak gaye")
    assert result.category == "vehicle_theft" and result.reason.startswith('words "scooty"'), result.reason
    result = classify("aaj kuch bhi samajh nahi aa raha")
    assert (result.category, result.reason) == ("uncategorised", "no keyword matched → uncategorised")
