"""`formkit demo`: a whole quarter on the embedded backend, with simulated respondents."""
