-- wrk script of bench/http_load.py: GET the paths of BENCH_PATHS (separated by spaces) in turn, each
-- thread from its own offset, and count every answer whose status is not BENCH_EXPECT (default 200).
-- The session cookie comes with -H "Cookie: ..." on the command line.

expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
dofile("status.lua")

local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
  table.insert(paths, path)
end

function init(args)
  unexpected = 0
  position = ((id or 1) - 1) * 7 % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end
