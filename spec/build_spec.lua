-- The rockspec is how users install pyssl (`luarocks make`): it must build
-- every C file of the core and install every Lua module of the facade.
local function read(path)
  local f = assert(io.open(path))
  local text = f:read("*a")
  f:close()
  return text
end

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
