-- The same HTTPS requests through LuaSec's ssl.https and pyssl.luasec.https:
--   lua luasec_https.lua ssl.https|pyssl.luasec.https BASE_URL CAFILE
-- prints one line per request (spec/luasec_spec.lua compares them).
local https = require(arg[1])
local ltn12 = require "ltn12"
local base, cafile = arg[2], arg[3]

local function show(...)
  local t = {}
  for i = 1, select("#", ...) do t[#t + 1] = tostring((select(i, ...))) end
  print((table.concat(t, " "):gsub("\n", "\\n")))
end

local function run(path, method, data)
  local chunks = {}
  local ok, code, headers, status = https.request({
    url = base .. path, method = method, cafile = cafile, verify = "peer",
    source = data and ltn12.source.string(data), sink = ltn12.sink.table(chunks),
    headers = data and {["content-length"] = #data} or nil,
  })
  show(path, ok, code, status, headers and headers["content-type"], table.concat(chunks))
end

run("/hello")
run("/missing")
run("/echo", "POST", "abc")
-- the simple form: LuaSec does not verify by default, pyssl does
show("simple", https.request(base .. "/hello"))
