-- The rockspec is how users install pyssl (`luarocks make`): it must build
-- every C file of the core and install every Lua module of the facade.
local read = require("spec.support.helper").read_file

local function listing(cmd)
  local names, p = {}, assert(io.popen(cmd))
  for line in p:lines() do names[#names + 1] = line end
  p:close()
  table.sort(names)
  return names
end

local function load_rockspec()
  local path = listing("ls *.rockspec")[1]
  local env = {}
  assert(require("pyssl._compat").load(read(path), path, "t", env))()
  return env
end

describe("the rockspec", function()
  local spec = load_rockspec()

  it("builds every C file of src/", function()
    local sources = {}
    for _, s in ipairs(spec.build.modules["pyssl.core"].sources) do sources[#sources + 1] = s end
    table.sort(sources)
    assert.same(listing("ls src/*.c"), sources)
  end)

  it("installs every Lua module of lua/pyssl/", function()
    local installed = {}
    for name, path in pairs(spec.build.modules) do
      if type(path) == "string" then
        installed[#installed + 1] = path
        local expected = name == "pyssl" and "lua/pyssl/init.lua" or ("lua/" .. name:gsub("%.", "/") .. ".lua")
        assert.equal(expected, path)
      end
    end
    table.sort(installed)
    assert.same(listing("find lua/pyssl -name '*.lua'"), installed)
  end)

  it("installs the C API header, whose version is the module's", function()
    assert.same({["pyssl_api.h"] = "src/pyssl_api.h"}, spec.build.install.conf)
    local ssl = require "pyssl"
    assert.equal('#define PYSSL_VERSION "' .. ssl._VERSION .. '"',
                 read("src/pyssl_api.h"):match('#define PYSSL_VERSION "[^"]*"'))
  end)

  it("passes luarocks lint, with homepage, a test command and no made-up source URL", function()
    local p = assert(io.popen("luarocks lint " .. listing("ls *.rockspec")[1] .. " 2>&1; echo \"rc=$?\""))
    local out = p:read("*a")
    p:close()
    assert.equal("rc=0\n", out)
    assert.truthy(spec.description.homepage)
    assert.same({type = "command", command = "make test"}, spec.test)
    assert.equal("file://pyssl-" .. spec.version:match("^(.-)%-%d+$") .. ".tar.gz", spec.source.url)
  end)

  it("has the version the module reports", function()
    local ssl = require "pyssl"
    assert.equal(ssl._VERSION .. "-1", spec.version)
  end)
end)

-- Every Lua file of the facade, the specs, their helpers, the examples and
-- the tools parses under each Lua installed here, so that 5.4-only syntax
-- (<close>, //, bitwise operators, goto) cannot slip in while the suite
-- runs on 5.4 only (bench/: pyssl's bench scripts and their library run
-- on LuaJIT too, the rest of bench/ is 5.4 code and is not checked).
describe("the Lua sources", function()
  it("parse under Lua 5.1, LuaJIT, 5.2, 5.3 and 5.4 alike", function()
    local files = listing("ls lua/pyssl/*.lua spec/*.lua spec/support/*.lua examples/*.lua tools/*.lua"
      .. " bench/pyssl/*.lua bench/lua/*.lua")
    local checker = os.tmpname()
    local f = assert(io.open(checker, "w"))
    f:write("for _, name in ipairs(arg) do local ok, err = loadfile(name) if not ok then print(err) end end\n")
    f:close()
    local problems, checked = {}, 0
    for _, lua in ipairs({"lua5.1", "luajit", "lua5.2", "lua5.3", "lua5.4"}) do
      local found = os.execute("command -v " .. lua .. " >/dev/null 2>&1")
      if found == true or found == 0 then   -- 5.1 and LuaJIT give the status
        checked = checked + 1
        local p = assert(io.popen(lua .. " " .. checker .. " " .. table.concat(files, " ") .. " 2>&1"))
        for line in p:lines() do problems[#problems + 1] = lua .. ": " .. line end
        p:close()
      end
    end
    os.remove(checker)
    assert.is_true(checked >= 1)
    assert.same({}, problems)
  end)
end)
