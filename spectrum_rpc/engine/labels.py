"""Label names: the one place they are spelled."""

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
