"""gunicorn's settings for every way the helpdesk is served (scripts/run.sh, docker-compose.yml,
the benchmarks): `gunicorn -c helpdesk/gunicorn_conf.py helpdesk.wsgi:application`. The bind address
and the number of workers come from the command line or from GUNICORN_CMD_ARGS."""

# A request line (method, address, version) over 8190 bytes, gunicorn's maximum, gets gunicorn's own
# 414 before the helpdesk sees it; addresses up to that reach helpdesk.web.errors.RequestLimitsMiddleware,
# which answers API addresses over 4096 characters with the helpdesk's JSON 414. Without this,
# gunicorn's default of 4094 bytes would answer first with a bare 400.
limit_request_line = 8190
errorlog = "-"
