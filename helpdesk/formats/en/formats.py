# English dates as support teams in Europe read them: 24-hour clock, year first (Django's own
# English default is the US "11/22/2026 2:05 p.m.").
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
