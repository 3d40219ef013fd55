"""Access to Google, or to the embedded backend that stands in for it.

  backend    which one this run talks to (FORMKIT_GOOGLE_ENDPOINT), and what differs between them
  auth       credentials: OAuth client, service account, cached token, the local bearer token
  transport  one requests session for every call; the endpoint override
  retry      429 / 5xx / dropped connections: bounded backoff, recovery of uncertain writes
  client     the calls formkit makes (Forms, Drive, Sheets, the local link endpoint), each
             counted and retried, through google-api-python-client and gspread
"""
