-- wrk script for bench/perf.py's uncached home: each request is another patient's first view
-- of their home. Arguments: the number of wrk threads, a file of session cookies, one a
-- line, and the path asked for (the home, "/", if none; bench/floor.py asks for others).
-- Each thread takes its own share of the cookies, in turn; a patient asked for twice (the run
-- outlasting the cookies) is counted and printed as a repeat.
-- sent, have and id are globals: wrk's thread:get and thread:set reach only those.
local cookies = {}
sent, have, id = 0, 0, 0
local threads, made, path = {}, 0, "/"
function setup(thread)
  made = made + 1
  thread:set("id", made)
  table.insert(threads, thread)
end
function init(args)
  local every, n = tonumber(args[1]), 0
  path = args[3] or "/"
  for line in io.lines(args[2]) do
    n = n + 1
    if n % every == id % every then table.insert(cookies, line) end
  end
  have = #cookies
end
function request()
  sent = sent + 1
  local cookie = cookies[(sent - 1) % #cookies + 1]
  return wrk.format("GET", path, {Cookie = "sessionid=" .. cookie})
end
function done(summary, latency, requests)
  local repeats = 0
  for _, thread in ipairs(threads) do
    local over = thread:get("sent") - thread:get("have")
    if over > 0 then repeats = repeats + over end
  end
  io.write("repeats " .. repeats .. "\n")
end
