"""formkit: SIPAS citizen-satisfaction surveys for Vietnamese communes."""

__version__ = "0.1.0"
