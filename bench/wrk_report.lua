-- Shared by every wrk run of `make bench`, so each server gets byte-for-byte the same load.
-- Arguments (after --): METHOD [BODY_FILE|-] [CONTENT_TYPE|-] [close]
local method, body, headers = "GET", nil, {}

function init(args)
  method = args[1] or "GET"
  if args[2] and args[2] ~= "-" then
    local file = assert(io.open(args[2], "rb"))
    body = file:read("*a")
    file:close()
  end
  if args[3] and args[3] ~= "-" then headers["Content-Type"] = args[3] end
  if args[4] == "close" then headers["Connection"] = "close" end
  prepared = wrk.format(method, nil, headers, body)
end

function request()
  return prepared
end

-- One JSON line on stdout for bench/run.py.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"bytes_per_second":%.1f,"p50_us":%d,"p99_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes / seconds,
    latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
