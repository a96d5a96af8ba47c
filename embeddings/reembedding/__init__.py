"""Re-embedding migrations: a role's assets re-embedded with a new model version while search
keeps serving the old one (not Django's schema migrations).

``states`` is the state machine and the backfill, ``validation`` measures the new vectors and
gates ``ready``, ``scheduling`` is the daily deprecation job, ``drift`` draws the validation
figures for a person.
"""
