"""Reading what visitors type: form answers, numbers, contact details, the country of
their business, incidents. Plain functions on text, used by the actions (forms, FAQ) and
by the console (the review export's privacy screen) alike."""
