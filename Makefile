.PHONY: run test bench-sla bench-kb bench-http bench-mail bench-customers bench-problems

# Start the helpdesk with demo data (installs what is missing first).
run:
	scripts/run.sh

# Run the whole test suite (installs what is missing first). `make test ARGS="-k escalation"` narrows it.
test:
	scripts/test.sh $(ARGS)

# SLA benchmark: 100,000 open tickets, 10,000 breaching in the same minute (see bench/sla_escalation.py).
bench-sla:
	scripts/bench.sh sla $(ARGS)

# Knowledge-base search benchmark: 100,000 articles and 1,000,000 solved tickets (see bench/kb_search.py).
bench-kb:
	scripts/bench.sh kb $(ARGS)

# Pages and API under load: gunicorn + wrk at 16 connections (see bench/http_load.py).
bench-http:
	scripts/bench.sh http $(ARGS)

# Mail intake: 10,000 mails in a real IMAP mailbox (dovecot) through the real worker (see bench/mail_intake.py).
bench-mail:
	scripts/bench.sh mail $(ARGS)

# Customer search and the customer page: 100,000 customers, 200,000 tickets (see bench/customer_search.py).
bench-customers:
	scripts/bench.sh customers $(ARGS)

# A problem's workaround to 10,000 linked tickets through the real workers, pages measured meanwhile (see bench/problem_broadcast.py).
bench-problems:
	scripts/bench.sh problems $(ARGS)
