-- wrk script for `make bench`: POST /api/ordering/orders, each order 1-3 distinct random products of the
-- ids file given after `--`, quantity 1-5 each. done() prints one JSON line the runner parses.

local ids = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    ids[#ids + 1] = line
  end
  file:close()
  math.randomseed(os.time() * 1000 + (seed or 0))
end

local headers = { ["Content-Type"] = "application/json" }

function request()
  local count = math.min(math.random(1, 3), #ids)
  local chosen, items = {}, {}
  while #items < count do
    local id = ids[math.random(#ids)]
    if not chosen[id] then
      chosen[id] = true
      items[#items + 1] = string.format('{"product_id":"%s","quantity":%d}', id, math.random(1, 5))
    end
  end
  return wrk.format("POST", "/api/ordering/orders", headers, '{"items":[' .. table.concat(items, ",") .. "]}")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
