# SLA policies, business-hour schedules, clocks and escalation rules arrive with the SLA issue.
