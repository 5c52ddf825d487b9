// The Lua that makes upload state changes atomic in Redis (PROTOCOL.md "State in Redis").
// Every script touches only the keys of one upload — its record hash and its parts hash,
// which share the `{<id>}` hash tag — so each runs in one Redis Cluster slot.
//
// Common arguments: KEYS[1] record hash, KEYS[2] parts hash, ARGV[1] the caller's clock
// (ms since epoch), ARGV[2] retention after expiry (ms). Passing the caller's clock keeps
// Redis in step with the memory repository, and with an injected test clock.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

const PRELUDE = `
local record, parts = KEYS[1], KEYS[2]
local now, retention = tonumber(ARGV[1]), tonumber(ARGV[2])

-- The record exists and has not outlived its expiry plus retention (retention.ts).
local function live()
  local f = redis.call('HMGET', record, 'state', 'expiresAt')
  if not f[1] then return false end
  return f[1] == 'complete' or now <= tonumber(f[2]) + retention
end

-- Both keys live exactly as long as the record: complete uploads are kept, the others go
-- retention after their expiry. '%d' because Lua would print a 13-digit number as 1.7e+12.
local function applyExpiry()
  local f = redis.call('HMGET', record, 'state', 'expiresAt')
  if f[1] == 'complete' then
    redis.call('PERSIST', record)
    redis.call('PERSIST', parts)
  else
    local at = string.format('%d', tonumber(f[2]) + retention)
    redis.call('PEXPIREAT', record, at)
    redis.call('PEXPIREAT', parts, at)
  end
end
`;

/** A script over one upload's keys: the prelude, then `body`. */
export function uploadScript(body: string): LuaScript {
  const source = PRELUDE + body;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** ARGV[3..]: field, value pairs. Replaces whatever was stored under this id. */
export const createScript = uploadScript(`
redis.call('DEL', record, parts)
redis.call('HSET', record, unpack(ARGV, 3))
applyExpiry()
return 1
`);

/** ARGV[3..]: field, value pairs. Returns the updated record's HGETALL, or nil if there is none. */
export const updateScript = uploadScript(`
if not live() then return false end
if #ARGV >= 4 then
  redis.call('HSET', record, unpack(ARGV, 3))
  applyExpiry()
end
return redis.call('HGETALL', record)
`);

/** ARGV[3] new state, ARGV[4] updatedAt, ARGV[5..] the states it may move from. Returns 1 if moved. */
export const transitionScript = uploadScript(`
if not live() then return 0 end
local state = redis.call('HGET', record, 'state')
for i = 5, #ARGV do
  if ARGV[i] == state then
    redis.call('HSET', record, 'state', ARGV[3], 'updatedAt', ARGV[4])
    applyExpiry()
    return 1
  end
end
return 0
`);

/**
 * Moves the resume index entry's expiry with its upload's, if it still names that upload
 * (a newer upload of the same file may have taken it over). KEYS[1] the resume key,
 * ARGV[1] upload id, ARGV[2] new expiry (ms since epoch). Not built on the prelude: the
 * resume key lives in another slot than the record.
 */
export const extendResumeScript: LuaScript = (() => {
  const source = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return 0
`;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
})();

/** EVALSHA, falling back to EVAL the first time a server (or a restarted one) has not seen the script. */
export async function runScript(
  redis: Redis | Cluster,
  lua: LuaScript,
  keys: string[],
  args: Array<string | number | Buffer>,
): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}
