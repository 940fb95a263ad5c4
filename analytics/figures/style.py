"""Shared visual vocabulary for figures: colour-blind-safe palettes and fonts."""

# Ordinal stages 0-5: a sequential palette from the viridis family (readable by
# people with the common colour-vision deficiencies); the stage number is always
# printed beside or inside the colour, so colour is never the only cue.
STAGE_COLORS = ["#f0f0f0", "#fde725", "#7ad151", "#22a884", "#2a788e", "#414487"]
STAGE_TEXT_COLORS = ["#222222", "#222222", "#222222", "#ffffff", "#ffffff", "#ffffff"]
NO_DATA_COLOR = "#d9d9d9"
# What awaits review is outlined, ringed or hatched in near-black: never colour alone.
AWAITING_COLOR = "#1a1a1a"
# Okabe-Ito, for categorical series (modules, cohorts).
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
