"""Label names: the one place they are spelled, with the Spectrum field names they answer as."""

TOXICITY = "toxicity"
SEXUAL = "sexual"
PHISHING = "phishing"
PROFANITY = "profanity"
HARASSMENT = "harassment"
HATE = "hate"
VIOLENCE = "violence"
SELF_HARM = "self_harm"
# Toxicity sub-labels, scored by the toxic-span model (engine/spans.py) from the typed spans.
INSULT = "insult"
THREAT = "threat"
IDENTITY_ATTACK = "identity_attack"

REQUIRED = (TOXICITY, SEXUAL, PHISHING)
# Labels scored by the linear model; PROFANITY comes from the lexicon.
MODEL_LABELS = (TOXICITY, SEXUAL, PHISHING, HARASSMENT, HATE, VIOLENCE, SELF_HARM)
ALL = (TOXICITY, SEXUAL, PHISHING, PROFANITY, HARASSMENT, HATE, VIOLENCE, SELF_HARM)
# Scored by the toxic-span model when an analysis asks for `labels` (moderateText): PROFANITY
# there is the share of raters who would mark a profane/obscene span, not the lexicon rule.
SPAN_LABELS = (INSULT, THREAT, IDENTITY_ATTACK, PROFANITY)
# Every label an analysis can score, and those issue 16 names that no labelled data here
# supports honestly (left out of every answer, never returned as a constant): other API
# dialects read these to tell which of their attributes are scorable.
SCORABLE = (*MODEL_LABELS, PROFANITY, INSULT, THREAT, IDENTITY_ATTACK)
SEVERE_TOXICITY = "severe_toxicity"
FLIRTATION = "flirtation"
INCOHERENT = "incoherent"
UNSUBSTANTIAL = "unsubstantial"
UNSUPPORTED = (SEVERE_TOXICITY, FLIRTATION, INCOHERENT, UNSUBSTANTIAL)
# Issue 16's (and Perspective's, moderationapi.com's) names for labels we score under our own.
ALIASES = {"sexually_explicit": SEXUAL, "spam": PHISHING}

# Labels with a decision threshold (`[thresholds]` in the config, per project in the admin UI):
# the ones Spectrum's classifyText answers, as (decision field, confidence field).
SPECTRUM_FIELDS = {
    TOXICITY: ("toxic", "toxicityConfidence"),
    SEXUAL: ("sexual", "sexualConfidence"),
    PHISHING: ("phishing", "phishingConfidence"),
}
DECIDED = tuple(SPECTRUM_FIELDS)

# Labels a moderator may send in recordUserClassification's `labels` object (Spectrum's
# decision names for the decided labels, our label names for the rest).
FEEDBACK_LABELS = (
    "toxic",
    "sexual",
    "phishing",
    PROFANITY,
    "insult",
    HARASSMENT,
    HATE,
    "threat",
    VIOLENCE,
    SELF_HARM,
)
