.PHONY: run test bench

# Start the helpdesk with demo data (installs what is missing first).
run:
	scripts/run.sh

# Run the whole test suite (installs what is missing first). `make test ARGS="-k escalation"` narrows it.
test:
	scripts/test.sh $(ARGS)
