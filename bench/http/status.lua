-- Shared by the wrk scripts of bench/http_load.py (loaded with dofile; wrk runs in this folder):
-- count every answer whose status is not `expected`, which the script sets first. wrk itself counts
-- only 4xx/5xx, so a session that has expired (302 to the login page) or a form shown again with an
-- error (200) would pass for a success.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("unexpected") or 0)
  end
  io.write(string.format("BENCH unexpected_status %d\n", total))
end
