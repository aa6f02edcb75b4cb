"""Label names: the one place they are spelled, with the Spectrum field names they answer as."""

TOXICITY = "toxicity"
SEXUAL = "sexual"
PHISHING = "phishing"
PROFANITY = "profanity"
HARASSMENT = "harassment"
HATE = "hate"
VIOLENCE = "violence"
SELF_HARM = "self_harm"

REQUIRED = (TOXICITY, SEXUAL, PHISHING)
# Labels scored by the linear model; PROFANITY comes from the lexicon.
MODEL_LABELS = (TOXICITY, SEXUAL, PHISHING, HARASSMENT, HATE, VIOLENCE, SELF_HARM)
ALL = (TOXICITY, SEXUAL, PHISHING, PROFANITY, HARASSMENT, HATE, VIOLENCE, SELF_HARM)

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
