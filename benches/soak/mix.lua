-- wrk script of benches/soak.sh: sends a fixed number of requests (the
-- script's first argument, split across wrk's threads) in a fixed mix of
-- kinds, tags each with an x-request-id naming its kind, and counts the
-- answers whose status is the one their kind should get.
local mix = { good = 190, throw = 4, loop = 1, hog = 2, denied = 3 }
local expected = { good = 200, throw = 500, loop = 503, hog = 503, denied = 403 }
local order = {}
for _, kind in ipairs({ "good", "throw", "loop", "hog", "denied" }) do
  for _ = 1, mix[kind] do order[#order + 1] = kind end
end
-- Spread the rare kinds through the cycle instead of bunching them.
for i = #order, 2, -1 do
  local j = (i * 7919) % i + 1
  order[i], order[j] = order[j], order[i]
end

local threads = {}
function setup(thread)
  thread:set("index", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  quota = math.floor(tonumber(args[1]) / tonumber(args[2]))
  sent, answered, right, wrong = 0, 0, 0, 0
  for kind in pairs(mix) do _G["right_" .. kind] = 0 end
end

function request()
  sent = sent + 1
  local kind = order[(sent + index * 31) % #order + 1]
  return wrk.format("GET", "/" .. kind, { ["x-request-id"] = "soak-" .. kind .. "-" .. sent })
end

function response(status, headers)
  answered = answered + 1
  local kind = (headers["x-request-id"] or headers["X-Request-Id"] or ""):match("^soak%-(%a+)%-")
  if kind and expected[kind] == status then
    right = right + 1
    _G["right_" .. kind] = _G["right_" .. kind] + 1
  else
    wrong = wrong + 1
    if wrong <= 5 then io.stderr:write("unexpected answer: ", status, " for ", tostring(kind), "\n") end
  end
  if answered >= quota then wrk.thread:stop() end
end

function done(summary)
  local totals = { answered = 0, right = 0, wrong = 0 }
  local kinds = {}
  for _, thread in ipairs(threads) do
    for key in pairs(totals) do totals[key] = totals[key] + thread:get(key) end
    for kind in pairs(mix) do kinds[kind] = (kinds[kind] or 0) + thread:get("right_" .. kind) end
  end
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("soak: answered=%d right=%d wrong=%d socket_errors=%d\n",
    totals.answered, totals.right, totals.wrong, socket_errors))
  for kind, count in pairs(kinds) do io.write(string.format("soak: kind %s right=%d\n", kind, count)) end
end
