// The Lua that records parts in their compact slots (part-codec.ts has the layout) and the
// one script a part signature costs. Keys and the first two arguments as every upload
// script (redis-scripts.ts). Each script reads a bucket once, edits its slots in a table and
// writes every edited bucket back with one HSET, so marking a batch of parts done costs a
// command per bucket, not two per part; the repository keeps batches bounded (redis.ts) so
// no script holds Redis for long.
import { FLAG, PACKED_AS_TRIPLE, PACKED_REPORT_BYTES, PARTS_PER_BUCKET, SLOT_BYTES } from './part-codec.js';
import { uploadScript } from './redis-scripts.js';

const PARTS_LIBRARY = `
local W, B = ${SLOT_BYTES}, ${PARTS_PER_BUCKET}
local F_DONE, F_EXTRAS, F_REPORTED, F_MD5X = ${FLAG.done}, ${FLAG.extras}, ${FLAG.reportedMask}, ${FLAG.md5Extra}
-- By bucket index: its field, its bytes as read, and this script's edits by slot offset (a
-- whole new slot, or only its new flags byte). Few strings are made: Lua interns every one.
local buckets = {}

-- The bucket of part n (read once a script) and the slot's byte offset in it.
local function bucketOf(n)
  local i = n - 1
  local index = math.floor(i / B)
  local b = buckets[index]
  if not b then
    local field = 'b' .. index
    b = { field = field, raw = redis.call('HGET', parts, field) or '', edits = {}, dirty = false }
    buckets[index] = b
  end
  return b, (i % B) * W
end

-- The slot's flags with this script's edits; 0 when no part is recorded there.
local function flagsAt(b, offset)
  local e = b.edits[offset]
  if type(e) == 'number' then return e end
  if e then return string.byte(e, 1) end
  if #b.raw < offset + W then return 0 end
  return string.byte(b.raw, offset + 1)
end

local function md5At(b, offset)
  local e = b.edits[offset]
  if type(e) == 'string' then return string.sub(e, 2, 17) end
  return string.sub(b.raw, offset + 2, offset + 17)
end

local function putSlot(b, offset, s)
  b.edits[offset] = s
  b.dirty = true
end

local function setFlags(b, offset, flags)
  local e = b.edits[offset]
  if type(e) == 'string' then b.edits[offset] = string.char(flags) .. string.sub(e, 2) else b.edits[offset] = flags end
  b.dirty = true
end

-- Every edited bucket back in one HSET: unedited bytes copied, gaps zero-filled.
local function flushBuckets()
  local args = {}
  for _, b in pairs(buckets) do
    if b.dirty then
      local offsets = {}
      for offset in pairs(b.edits) do offsets[#offsets + 1] = offset end
      table.sort(offsets)
      local raw, out, len = b.raw, {}, 0
      for _, offset in ipairs(offsets) do
        if offset > len then
          local upto = math.min(offset, #raw)
          if upto > len then out[#out + 1] = string.sub(raw, len + 1, upto) end
          if offset > math.max(upto, len) then out[#out + 1] = string.rep('\0', offset - math.max(upto, len)) end
        end
        local e = b.edits[offset]
        if type(e) == 'number' then
          -- The rest of the slot is copied from raw with what follows.
          out[#out + 1] = string.char(e)
          len = offset + 1
        else
          out[#out + 1] = e
          len = offset + W
        end
      end
      if len < #raw then out[#out + 1] = string.sub(raw, len + 1) end
      args[#args + 1] = b.field
      args[#args + 1] = table.concat(out)
    end
  end
  if #args > 0 then redis.call('HSET', parts, unpack(args)) end
end

-- A done report (part-codec.ts encodeDoneReport: number, MD5, how) against the recorded part:
-- nil (counted as unknown or conflicting), or its bucket, offset and flags. kind is how's
-- first byte: 'b' a binary MD5, 'r' an MD5 as text, '-' none.
local function checkReport(number, md5, kind, conflicts, unknown)
  local n = tonumber(number)
  local b, offset = bucketOf(n)
  local flags = flagsAt(b, offset)
  if flags == 0 then
    unknown[#unknown + 1] = n
    return nil
  end
  if kind ~= 45 then
    local same
    if bit.band(flags, F_MD5X) == 0 then
      same = kind == 98 and md5At(b, offset) == md5
    else
      same = kind == 114 and redis.call('HGET', parts, 'm' .. n) == md5
    end
    if not same then
      conflicts[#conflicts + 1] = n
      return nil
    end
  end
  return b, offset, flags
end

-- Marks the part done and keeps the client's spelling: how's rest is '' (none), one digit
-- 1-3 (a code), or 'r' and the text.
local function markReport(number, md5, how, conflicts, unknown)
  local b, offset, flags = checkReport(number, md5, string.byte(how, 1), conflicts, unknown)
  if not b then return end
  local new = bit.bor(flags, F_DONE)
  if #how > 1 then
    local n = tonumber(number)
    local code = string.byte(how, 2) - 48
    new = bit.band(new, 255 - F_REPORTED)
    if #how == 2 and code >= 1 and code <= 3 then
      new = bit.bor(new, code * 32)
      if bit.band(flags, F_EXTRAS) ~= 0 then redis.call('HDEL', parts, 'r' .. n) end
    else
      redis.call('HSET', parts, 'r' .. n, string.sub(how, 3))
      new = bit.bor(new, F_EXTRAS)
    end
  end
  if new ~= flags then setFlags(b, offset, new) end
end

-- Calls visit(number, MD5, how) for each done report in order: ARGV[at] holds them packed
-- (part-codec.ts packDoneReports), and those the pack marks as travelling apart follow it as
-- (number, MD5, how) triples.
local function eachReport(at, visit)
  local packed, t = ARGV[at], at + 1
  for p = 1, #packed, ${PACKED_REPORT_BYTES} do
    local code = string.byte(packed, p + 20)
    if code == ${PACKED_AS_TRIPLE} then
      visit(ARGV[t], ARGV[t + 1], ARGV[t + 2])
      t = t + 3
    else
      local b1, b2, b3, b4 = string.byte(packed, p, p + 3)
      local how = 'b'
      if code > 0 then how = 'b' .. code end
      visit(((b1 * 256 + b2) * 256 + b3) * 256 + b4, string.sub(packed, p + 4, p + 19), how)
    end
  end
end

-- Part n's new slot (a re-signed part starts over); ARGV[at ..] holds count field/value pairs.
local function recordSlot(n, slot, at, count)
  local b, offset = bucketOf(n)
  if bit.band(flagsAt(b, offset), F_EXTRAS) ~= 0 then redis.call('HDEL', parts, 'm' .. n, 'r' .. n, 'x' .. n) end
  putSlot(b, offset, slot)
  if count > 0 then redis.call('HSET', parts, unpack(ARGV, at, at + 2 * count - 1)) end
end
`;

function partScript(body: string) {
  return uploadScript(PARTS_LIBRARY + body);
}

// ARGV[at] how many parts follow, then each part as its number, its slot, e, and e field/value
// pairs (what the slot cannot hold). The ARGV index of each part, and the index after them.
const PARTS_LIST = `
local function partsAt(at)
  local list = {}
  local i = at + 1
  for p = 1, tonumber(ARGV[at]) do
    list[p] = i
    i = i + 3 + 2 * tonumber(ARGV[i + 2])
  end
  return list, i
end

local function recordParts(list)
  for _, i in ipairs(list) do recordSlot(tonumber(ARGV[i]), ARGV[i + 1], i + 3, tonumber(ARGV[i + 2])) end
end
`;

/** ARGV[3..]: parts (PARTS_LIST). Returns 0 if the upload does not exist. */
export const recordPartScript = partScript(`${PARTS_LIST}
if not live() then return 0 end
recordParts((partsAt(3)))
flushBuckets()
applyExpiry()
return 1
`);

/**
 * ARGV[3..]: done reports (eachReport). Returns {conflicts, unknown}, or nil if the upload
 * does not exist. The signed MD5 is the truth (PROTOCOL.md "Which MD5 is the truth for a
 * part"): a different one changes nothing.
 */
export const markPartsDoneScript = partScript(`
if not live() then return false end
local conflicts, unknown = {}, {}
eachReport(3, function(number, md5, how) markReport(number, md5, how, conflicts, unknown) end)
flushBuckets()
return {conflicts, unknown}
`);

/**
 * A signature request in one step. ARGV[3] tenant, [4] owner, [5] upload token: the record
 * must still be the one the caller checked access against; [6] '1' when the upload needs a
 * multipart id (recorded, or reported in [9], and then not another); [7] updatedAt and [8]
 * expiresAt ('' both: no touch); [9] resumableId reported ('' none); [10] how far past the
 * record the resume index entry is extended (ms); [11..] the parts signed (PARTS_LIST); then
 * s, then s states the upload may be in; then done reports (eachReport).
 * Refuses, writing nothing, unless the record is in one of the states and not past its
 * expiry, and no report conflicts. Otherwise marks the reports done, records the parts,
 * touches updatedAt and expiresAt (and the multipart id), moves pending to uploading.
 * Returns nil when there is no such upload; refused: {0, the record's HGETALL, conflicting
 * parts}; signed: {1, {state, updatedAt, expiresAt, resumableId} as they now are, {}, the
 * resume entry's new expiry (0: leave it), and then {fileName, fileSize, fileMd5} to find it}.
 */
export const signPartScript = partScript(`${PARTS_LIST}
local f = redis.call('HMGET', record, 'state', 'expiresAt', 'tenant', 'owner', 'uploadToken', 'resumableId', 'resumeUntil', 'updatedAt')
if not f[1] then return false end
if f[1] ~= 'complete' and now > tonumber(f[2]) + retention then return false end
local function refused(conflicts) return {0, redis.call('HGETALL', record), conflicts, 0} end
if f[3] ~= ARGV[3] or f[4] ~= ARGV[4] or f[5] ~= ARGV[5] then return refused({}) end
local signed, states = partsAt(11)
local open = false
for i = states + 1, states + tonumber(ARGV[states]) do
  if ARGV[i] == f[1] then open = true end
end
if not open or now > tonumber(f[2]) then return refused({}) end
if ARGV[6] == '1' and ((ARGV[9] == '' and not f[6]) or (ARGV[9] ~= '' and f[6] and f[6] ~= ARGV[9])) then return refused({}) end
local reports = states + tonumber(ARGV[states]) + 1
local conflicts, unknown = {}, {}
eachReport(reports, function(number, md5, how) checkReport(number, md5, string.byte(how, 1), conflicts, unknown) end)
if #conflicts > 0 then return refused(conflicts) end
eachReport(reports, function(number, md5, how) markReport(number, md5, how, conflicts, unknown) end)
recordParts(signed)
flushBuckets()
local changes = {}
local state, updatedAt, expiresAt, resumableId = f[1], f[8], f[2], f[6]
local resumeUntil = 0
if ARGV[8] ~= '' then
  updatedAt, expiresAt = ARGV[7], ARGV[8]
  changes = {'updatedAt', updatedAt, 'expiresAt', expiresAt}
  if ARGV[9] ~= '' then
    resumableId = ARGV[9]
    changes[#changes + 1] = 'resumableId'; changes[#changes + 1] = resumableId
  end
  -- The resume entry (another slot) is extended ahead of need, so most steps leave it alone.
  local forget = tonumber(expiresAt) + retention
  if forget > (tonumber(f[7]) or 0) then
    resumeUntil = forget + tonumber(ARGV[10])
    changes[#changes + 1] = 'resumeUntil'; changes[#changes + 1] = string.format('%d', resumeUntil)
  end
elseif state == 'pending' then
  updatedAt = ARGV[1]
  changes = {'updatedAt', updatedAt}
end
if state == 'pending' then
  state = 'uploading'
  changes[#changes + 1] = 'state'; changes[#changes + 1] = state
end
if #changes > 0 then redis.call('HSET', record, unpack(changes)) end
local at = string.format('%d', tonumber(expiresAt) + retention)
redis.call('PEXPIREAT', record, at)
redis.call('PEXPIREAT', parts, at)
local resumeFields = {}
if resumeUntil > 0 then resumeFields = redis.call('HMGET', record, 'fileName', 'fileSize', 'fileMd5') end
return {1, {state, updatedAt, expiresAt, resumableId}, {}, resumeUntil, resumeFields}
`);
