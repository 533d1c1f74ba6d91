-- Every public name of pyssl's modules has a LuaLS declaration in types/
-- (the folder editors add to workspace.library, README "Editor types"):
-- each key of a module table, each method and property of its classes,
-- each member of its enum tables. Public: a string key not starting with
-- "_". The types files are read as LuaLS reads them, by their
-- annotations:
--
--   ---@class NAME [: PARENT]      followed by `local VAR = {}`: VAR is NAME
--   ---@field KEY TYPE             a member of the class above
--   function VAR.KEY(...) / function VAR:KEY(...)   a member of VAR's class
--                                  (with at least one ---@ line above)
--   VAR.KEY = OTHER                a member; OTHER's class is its type
--   return VAR                     the module's class (types/a/b.lua: "a.b")
--
-- A failure lists every missing declaration.
local H = require "spec.support.helper"

local MODULES = {
  "pyssl", "pyssl.socket", "pyssl.select", "pyssl.cosocket", "pyssl.hashlib", "pyssl.hmac",
  "pyssl.luasec", "pyssl.luasec.buffer", "pyssl.luasec.x509",
  "pyssl.selectors",
}
-- pyssl.luasec.https needs LuaSocket: declared and checked when it loads.
if pcall(require, "socket.http") then MODULES[#MODULES + 1] = "pyssl.luasec.https" end
-- pyssl.luasocket loads without its libraries; pyssl.cqueues and pyssl.luv
-- fail at require without cqueues / luv: checked when those load.
MODULES[#MODULES + 1] = "pyssl.luasocket"
if pcall(require, "cqueues") then MODULES[#MODULES + 1] = "pyssl.cqueues" end
if pcall(require, "luv") then MODULES[#MODULES + 1] = "pyssl.luv" end

local function path_of(module)
  return "types/" .. module:gsub("%.", "/") .. ".lua"
end

-- The declarations of one types file: classes (name -> {members, parent})
-- and the module's class name.
local function parse(path, classes)
  local f = assert(io.open(path), "no types file " .. path)
  local vars, current, pending_class, module_class = {}, nil, nil, nil
  local last_doc = false
  local n = 0
  local function class_named(name)
    local c = classes[name]
    if not c then
      c = {members = {}, types = {}}
      classes[name] = c
    end
    return c
  end
  for line in f:lines() do
    n = n + 1
    local name, parent = line:match("^%-%-%-@class%s+([%w_.]+)%s*:?%s*([%w_.]*)")
    if name then
      current, pending_class = class_named(name), name
      if parent ~= "" then current.parent = parent end
    end
    local key, ftype = line:match("^%-%-%-@field%s+([%w_]+)%??%s+([%w_.]*)")
    if key and current then
      current.members[key] = true
      current.types[key] = ftype
    end
    local var = line:match("^local%s+([%w_]+)%s*=")
    if var and pending_class then
      vars[var] = pending_class
      pending_class = nil
    end
    local fvar, fkey = line:match("^function%s+([%w_]+)[.:]([%w_]+)%s*%(")
    if fvar then
      assert(last_doc, path .. ":" .. n .. ": function " .. fvar .. "." .. fkey .. " has no ---@ annotation")
      assert(vars[fvar], path .. ":" .. n .. ": " .. fvar .. " is no declared class")
      class_named(vars[fvar]).members[fkey] = true
    end
    local avar, akey, other = line:match("^([%w_]+)%.([%w_]+)%s*=%s*([%w_]+)%s*$")
    if avar and vars[avar] then
      local c = class_named(vars[avar])
      c.members[akey] = true
      c.types[akey] = vars[other] or c.types[akey]
    end
    local rvar = line:match("^return%s+([%w_]+)%s*$")
    if rvar then module_class = vars[rvar] end
    if not line:match("^%-%-%-") then
      if line:match("%S") then current = nil end
    end
    last_doc = line:match("^%-%-%-") ~= nil
  end
  f:close()
  return module_class
end

local function is_class(v)
  return type(v) == "table" and rawget(v, "__name") ~= nil
end

-- Public methods and properties of a pyssl class (its bases' too: C
-- classes list them in __bases, Lua classes such as pyssl.selectors'
-- inherit through their metatable's __index).
local function class_members(cls, out, seen)
  out, seen = out or {}, seen or {}
  if seen[cls] then return out end
  seen[cls] = true
  for k in pairs(cls) do
    if type(k) == "string" and not k:find("^_") then out[k] = true end
  end
  local getters = rawget(cls, "__getters")
  if type(getters) == "table" then
    for k in pairs(getters) do
      if type(k) == "string" and not k:find("^_") then out[k] = true end
    end
  end
  for _, base in ipairs(rawget(cls, "__bases") or {}) do class_members(base, out, seen) end
  local mt = getmetatable(cls)
  local base = type(mt) == "table" and rawget(mt, "__index")
  if is_class(base) then class_members(base, out, seen) end
  return out
end

local function public_keys(t)
  local out = {}
  for k in pairs(t) do
    if type(k) == "string" and not k:find("^_") then out[k] = true end
  end
  return out
end

-- Whether class `name` (or a parent) declares `key`.
local function declares(classes, name, key)
  local seen = {}
  while name and name ~= "" and not seen[name] do
    seen[name] = true
    local c = classes[name]
    if not c then return false end
    if c.members[key] then return true end
    name = c.parent
  end
  return false
end

local sorted = H.sorted_keys

-- A temporary copy of a declaration file whose `function <name>(` became a
-- local function (the declaration gone); returns its path.
local function without_function(file, name)
  local text = H.read_file(file)
  local cut = text:gsub("\nfunction " .. name:gsub("%p", "%%%0") .. "%(", "\nlocal function dropped(")
  assert.are_not.equal(text, cut)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(cut)
  f:close()
  return path
end

-- What is missing for one runtime table against declared class `name`
-- (members of classes and enum tables followed one level down).
local function check(classes, label, value, name, missing, visited)
  if visited[value] then return end
  visited[value] = true
  local keys = is_class(value) and class_members(value) or public_keys(value)
  for _, key in ipairs(sorted(keys)) do
    if not declares(classes, name, key) then
      missing[#missing + 1] = label .. "." .. key
    else
      local v = value[key]
      if type(v) == "table" then
        -- the declared type of the member, looked up through the parents
        local c, tname = name, nil
        while c and classes[c] and not tname do
          tname = classes[c].types[key]
          c = classes[c].parent
        end
        if tname and classes[tname] then
          check(classes, label .. "." .. key, v, tname, missing, visited)
        elseif is_class(v) then
          missing[#missing + 1] = label .. "." .. key .. " (its class: no ---@class)"
        end
      end
    end
  end
end

describe("types/ (LuaLS declarations)", function()
  it("declare every public name of every module", function()
    local classes, missing, names = {}, {}, {}
    for _, module in ipairs(MODULES) do names[module] = parse(path_of(module), classes) end
    for _, module in ipairs(MODULES) do
      if not names[module] then
        missing[#missing + 1] = module .. " (" .. path_of(module) .. ": no `return` of a declared class)"
      else
        check(classes, module, require(module), names[module], missing, {})
      end
    end
    local unique, seen = {}, {}
    for _, name in ipairs(missing) do
      if not seen[name] then seen[name] = true; unique[#unique + 1] = name end
    end
    assert(#unique == 0, #unique .. " public names have no declaration in types/:\n  " ..
                         table.concat(unique, "\n  "))
  end)

  it("are valid Lua on this interpreter", function()
    for _, module in ipairs(MODULES) do
      local chunk, err = loadfile(path_of(module))
      assert(chunk, err)
    end
  end)

  it("notice what is missing", function()
    -- a declaration file without SSLContext.wrap_socket fails the check
    local path = without_function("types/pyssl.lua", "SSLContext:wrap_socket")
    local classes, missing = {}, {}
    local name = parse(path, classes)
    parse("types/pyssl/socket.lua", classes)
    os.remove(path)
    check(classes, "pyssl", require "pyssl", name, missing, {})
    assert.are.same({"pyssl.SSLContext.wrap_socket"}, missing)
  end)

  it("notice what a Lua class inherits through its metatable", function()
    -- without BaseSelector:get_key, every selector class lacks it
    local path = without_function("types/pyssl/selectors.lua", "BaseSelector:get_key")
    local classes, missing = {}, {}
    local name = parse(path, classes)
    os.remove(path)
    check(classes, "pyssl.selectors", require "pyssl.selectors", name, missing, {})
    table.sort(missing)
    assert.are.same({"pyssl.selectors.BaseSelector.get_key", "pyssl.selectors.DefaultSelector.get_key",
                     "pyssl.selectors.PollSelector.get_key", "pyssl.selectors.SelectSelector.get_key"},
                    missing)
  end)
end)
