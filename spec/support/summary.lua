-- busted output handler: names every failure with its place and message,
-- and ends with the one line `make test` promises: "N passed, N failed".
-- Pending tests count as failed: nothing skipped is ever called done. A
-- case named "... (<rule> only)" that ended through H.only on another Lua
-- is counted apart: "N not applicable" comes before the last line.
return function(options)
  local busted = require 'busted'
  local handler = require 'busted.outputHandlers.base'()

  local function report(kind, t)
    local message = t.message
    if type(message) ~= 'string' then message = tostring(message) end
    -- A file that does not load has a trace without a place.
    local trace = t.element.trace or {}
    local where = tostring(trace.short_src or '?') .. ':' .. tostring(trace.currentline or '?')
    io.write(string.format('%s: %s\n  at %s\n  %s\n', kind, t.name or handler.getFullName(t.element),
      where, (message or 'nil'):gsub('\n', '\n  ')))
    if t.trace and t.trace.traceback and options.verbose then
      io.write(t.trace.traceback, '\n')
    end
    io.flush()
  end

  local not_applicable = 0

  -- A pending that H.only raised in a case whose name carries that rule.
  local function is_not_applicable(t)
    local message = type(t.message) == 'string' and t.message or ''
    local rule = message:match('not applicable on .- %((.-) only%)$')
    local name = t.name or handler.getFullName(t.element)
    return rule ~= nil and name:find('(' .. rule .. ' only)', 1, true) ~= nil
  end

  handler.testEnd = function(element, parent, status)
    if status == 'pending' and is_not_applicable(handler.pendings[#handler.pendings]) then
      not_applicable = not_applicable + 1
    elseif status == 'failure' then
      report('FAIL', handler.failures[#handler.failures])
    elseif status == 'error' then
      report('ERROR', handler.errors[#handler.errors])
    elseif status == 'pending' then
      report('PENDING', handler.pendings[#handler.pendings])
    end
    return nil, true
  end

  handler.error = function(element)
    if element.descriptor ~= 'it' then
      report('ERROR', handler.errors[#handler.errors])
    end
    return nil, true
  end

  handler.suiteEnd = function()
    local failed = handler.failuresCount + handler.errorsCount + handler.pendingsCount - not_applicable
    if not_applicable > 0 then io.write(string.format('%d not applicable\n', not_applicable)) end
    io.write(string.format('%d passed, %d failed\n', handler.successesCount, failed))
    io.flush()
    return nil, true
  end

  busted.subscribe({ 'suite', 'end' }, handler.suiteEnd)
  busted.subscribe({ 'test', 'end' }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ 'error' }, handler.error)
  return handler
end
