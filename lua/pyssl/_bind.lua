-- pyssl._bind: Python's call binding for the functions that Lib/ssl.py
-- and Lib/socket.py define in Python (pyssl and pyssl.socket share it).
--
-- sig = {name = "f", pos = {...}, required = n, kwonly = {...}, self = true}
-- `self` counts the implicit cls/self in "takes N positional arguments"
-- as Python does for methods. A trailing plain table with string keys is
-- the keyword table (spec §1 rule 1). Returns one value per parameter.
local raise = require("pyssl.core")._raise
local unpack = require("pyssl._compat").unpack

-- A plain table with string keys only. An empty one (what `{x = maybe_nil}`
-- gives) is keywords only when the arguments before it fill the required
-- parameters; otherwise it is a positional argument.
local function is_keyword_table(v, before, required)
  if type(v) ~= "table" or getmetatable(v) ~= nil then return false end
  local empty = true
  for k in pairs(v) do
    if type(k) ~= "string" then return false end
    empty = false
  end
  return not empty or before >= required
end

-- 'a' / 'a' and 'b' / 'a', 'b', and 'c'
local function quoted_list(names)
  local q = {}
  for i, n in ipairs(names) do q[i] = "'" .. n .. "'" end
  if #q == 1 then return q[1] end
  if #q == 2 then return q[1] .. " and " .. q[2] end
  return table.concat(q, ", ", 1, #q - 1) .. ", and " .. q[#q]
end

local function plural(n, word)
  return n .. " " .. word .. (n == 1 and "" or "s")
end

local function bind(sig, ...)
  local n = select("#", ...)
  local kw
  if n > 0 then
    local last = select(n, ...)
    if is_keyword_table(last, n - 1, sig.required or 0) then
      kw = last
      n = n - 1
    end
  end
  local pos, kwonly = sig.pos, sig.kwonly or {}
  local npos, required, extra = #pos, sig.required or 0, sig.self and 1 or 0
  local params = {}
  for i, p in ipairs(pos) do params[i] = p end
  for _, p in ipairs(kwonly) do params[#params + 1] = p end
  local index = {}
  for i, p in ipairs(params) do index[p] = i end

  if n > npos then
    local takes
    if required == npos then
      takes = plural(npos + extra, "positional argument")
    else
      takes = "from " .. (required + extra) .. " to " .. (npos + extra) .. " positional arguments"
    end
    local nkw = 0
    if kw then
      for k in pairs(kw) do
        if (index[k] or 0) > npos then nkw = nkw + 1 end
      end
    end
    local given
    if nkw > 0 then
      given = plural(n + extra, "positional argument") .. " (and " ..
              plural(nkw, "keyword-only argument") .. ") were given"
    else
      given = (n + extra) .. ((n + extra) == 1 and " was given" or " were given")
    end
    raise("TypeError", sig.name .. "() takes " .. takes .. " but " .. given)
  end

  local values, given = {}, {}
  for i = 1, n do
    values[i] = (select(i, ...))
    given[i] = true
  end
  if kw then
    for k, v in pairs(kw) do
      local i = index[k]
      if not i then
        raise("TypeError", sig.name .. "() got an unexpected keyword argument '" .. k .. "'")
      end
      if i <= n then
        raise("TypeError", sig.name .. "() got multiple values for argument '" .. k .. "'")
      end
      values[i] = v
      given[i] = true
    end
  end
  local missing = {}
  for i = 1, required do
    if not given[i] then missing[#missing + 1] = pos[i] end
  end
  if #missing > 0 then
    raise("TypeError", sig.name .. "() missing " .. plural(#missing, "required positional argument") ..
          ": " .. quoted_list(missing))
  end
  return unpack(values, 1, #params)
end

return bind
