"""The API kit every app's endpoints use: error answers, pagination, rate limits."""
