-- wrk script of bench/http_load.py: GET the paths of BENCH_PATHS (separated by spaces) in turn, each
-- thread from its own offset, and count every answer whose status is not BENCH_EXPECT (default 200):
-- wrk itself counts only 4xx/5xx, so a session that has expired (302 to the login page) would pass.
-- The session cookie comes with -H "Cookie: ..." on the command line.

local threads = {}
local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
  table.insert(paths, path)
end

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  unexpected = 0
  position = ((id or 1) - 1) * 7 % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
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
