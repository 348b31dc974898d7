"""How Trellis writes dates and times in English: one way everywhere, in the
office and the portal alike.

Django's English formats write "Dec. 1, 2026, 1:32 p.m." (AP style) in long
form and "12/01/2026 1:32 p.m." in short form, and pages mixed the two with
ISO dates. Staff read the month in words and a 12-hour clock with AM/PM, as
the customers they talk to do; the short formats are the same on purpose, so
a page that asks for the short one still agrees with the page beside it.
Files for machines (the CSV export) keep ISO dates.
"""

DATE_FORMAT = "F j, Y"  # December 1, 2026
TIME_FORMAT = "g:i A"  # 1:32 PM
DATETIME_FORMAT = "F j, Y, g:i A"  # December 1, 2026, 1:32 PM
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
