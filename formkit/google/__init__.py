"""Access to Google: credentials, retries, and thin clients for Forms, Sheets and Drive."""
