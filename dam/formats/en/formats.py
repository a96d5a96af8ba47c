"""How the admin writes dates: ISO order, 24-hour clock, and always the time zone, so a
librarian never wonders whether 09:49 is UTC or local (TIME_ZONE says which zone is shown)."""

DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
