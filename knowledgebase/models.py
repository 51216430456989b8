# Articles, versions, reviews and search arrive with the knowledge-base issue.
