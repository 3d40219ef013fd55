"""`formkit demo`: a whole quarter on the embedded backend, with simulated respondents.

  run       create → link → posters → answers → pull → ballots and scan → report
  simulate  citizens answering through the respondent page, as a phone would
  paper     ballots filled by a simulated hand and photographed by a simulated phone
"""
