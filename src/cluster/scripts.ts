/**
 * The cluster's operations as Lua scripts, each run atomically by Redis (DESIGN.md section 5).
 * Every script first checks the epoch: a Redis that lost its data (ours keeps nothing on
 * disk) has no epoch, or another one, and nothing may be done on it as if the rooms were
 * still there (a JOIN_ID would be issued again, a name would get a second ref).
 *
 * A room's changes and its events happen in one script: the JOIN that makes a room, the
 * last LEAVE that forgets it (T7), and every chat, all take the room's next sequence
 * numbers, append to its capped log (stream entry ids are `<seq>-1`, so a range by seq is a
 * range by id) and PUBLISH on its channel, so Redis fixes the room's one order (T13).
 *
 * Keys are made from the prefix inside the scripts, so these need one Redis primary (not
 * Redis Cluster): JOIN and the last LEAVE change both the room and the service's name index.
 *
 * An event is encoded `<seq> <kind> <joinId> <#name> <#text>\n<name><text>` (lengths in bytes),
 * so several concatenate into one message and any text survives (src/cluster/event-codec.ts).
 */

const prelude = `
local P = ARGV[1]
if redis.call('GET', P .. 'epoch') ~= ARGV[2] then return {'epoch'} end
-- attempt: a join's only (its JOIN's, ending the head), else nil.
local function enc(seq, kind, joinId, name, text, attempt)
  local tail = ''
  if attempt then tail = ' ' .. attempt end
  return seq .. ' ' .. kind .. ' ' .. joinId .. ' ' .. #name .. ' ' .. #text .. tail .. '\\n'
    .. name .. text
end
local function append(ref, kind, joinId, name, text, cap, attempt)
  local R = P .. 'room:' .. ref
  local seq = redis.call('HINCRBY', R, 'seq', 1)
  local ev = enc(seq, kind, joinId, name, text, attempt)
  redis.call('XADD', R .. ':log', 'MAXLEN', '~', cap, seq .. '-1', 'e', ev)
  return seq, ev
end
-- joinId leaves room ref (the caller knows it is a member); forgets the room if it empties.
local function leave(ref, joinId, clientName, cap, keepLogMs)
  local R = P .. 'room:' .. ref
  redis.call('HDEL', R .. ':members', joinId)
  redis.call('HDEL', P .. 'join:' .. joinId, ref)
  local seq, ev = append(ref, 'L', joinId, clientName, '', cap)
  redis.call('PUBLISH', R, ev)
  if redis.call('HLEN', R .. ':members') == 0 then
    local name = redis.call('HGET', R, 'name')
    if name and redis.call('HGET', P .. 'names', name) == ref then
      redis.call('HDEL', P .. 'names', name)
    end
    redis.call('DEL', R, R .. ':members')
    -- The log outlives the room a little, for a node still catching up on its last events.
    redis.call('PEXPIRE', R .. ':log', keepLogMs)
  end
  return seq
end
-- Every room of joinId, by ascending ref (T6); clientName '' means each room's join name.
local function leaveAll(joinId, clientName, cap, keepLogMs)
  local refs = redis.call('HKEYS', P .. 'join:' .. joinId)
  table.sort(refs, function(a, b) return tonumber(a) < tonumber(b) end)
  local out = {}
  for _, ref in ipairs(refs) do
    local name = clientName
    if name == '' then
      name = redis.call('HGET', P .. 'room:' .. ref .. ':members', joinId) or ''
    end
    out[#out + 1] = ref
    out[#out + 1] = leave(ref, joinId, name, cap, keepLogMs)
  end
  redis.call('DEL', P .. 'join:' .. joinId)
  return out
end
`;

/**
 * ARGV: prefix, epoch, name, joinId, clientName, maxRooms, nodeId, cap, attempt. The attempt
 * names this JOIN (RoomBus.join) and so the membership it makes: a connection's rooms
 * (`join:<id>`) map each ref to it, so that undoing a JOIN given up on, or a LEAVE carried out
 * late or twice, takes out that membership and no later one (undoJoinScript, leaveScript).
 */
export const joinScript = `${prelude}
local name, joinId, clientName = ARGV[3], ARGV[4], ARGV[5]
local ref = redis.call('HGET', P .. 'names', name)
if ref then
  if redis.call('HEXISTS', P .. 'room:' .. ref .. ':members', joinId) == 1 then
    -- In the room by a JOIN given up on whose undo has not run yet: this JOIN owns it now.
    redis.call('HSET', P .. 'join:' .. joinId, ref, ARGV[9])
    return {'already', ref, tonumber(redis.call('HGET', P .. 'room:' .. ref, 'seq'))}
  end
else
  if redis.call('HLEN', P .. 'names') >= tonumber(ARGV[6]) then return {'room-limit'} end
  ref = tostring(redis.call('INCR', P .. 'next:ref'))
  redis.call('HSET', P .. 'names', name, ref)
  redis.call('HSET', P .. 'room:' .. ref, 'name', name, 'seq', 0)
end
redis.call('HSET', P .. 'room:' .. ref .. ':members', joinId, clientName)
redis.call('HSET', P .. 'join:' .. joinId, ref, ARGV[9])
redis.call('SADD', P .. 'node:' .. ARGV[7] .. ':joins', joinId)
local seq, ev = append(ref, 'J', joinId, clientName, name, ARGV[8], ARGV[9])
redis.call('PUBLISH', P .. 'room:' .. ref, ev)
return {'joined', ref, seq}
`;

/**
 * ARGV: prefix, epoch, name, joinId, attempt, cap, keepLogMs. Undoes the JOIN of that attempt,
 * which its node gave up on (error 16): if it made a membership, that leaves, with its notice.
 */
export const undoJoinScript = `${prelude}
local joinId = ARGV[4]
local ref = redis.call('HGET', P .. 'names', ARGV[3])
if not ref or redis.call('HGET', P .. 'join:' .. joinId, ref) ~= ARGV[5] then return {'none'} end
local clientName = redis.call('HGET', P .. 'room:' .. ref .. ':members', joinId) or ''
return {'undone', ref, leave(ref, joinId, clientName, ARGV[6], ARGV[7])}
`;

/**
 * ARGV: prefix, epoch, ref, joinId, clientName, cap, keepLogMs, attempt: that of the JOIN whose
 * membership this ends. Sent again after its answer was lost, it must not take out the
 * membership of a JOIN made since (the first one went through, the connection joined again).
 */
export const leaveScript = `${prelude}
local ref, joinId = ARGV[3], ARGV[4]
if redis.call('HGET', P .. 'join:' .. joinId, ref) ~= ARGV[8] then return {'not-member'} end
return {'left', leave(ref, joinId, ARGV[5], ARGV[6], ARGV[7])}
`;

/** ARGV: prefix, epoch, joinId, clientName ('' for each room's), nodeId, cap, keepLogMs. */
export const leaveAllScript = `${prelude}
local out = leaveAll(ARGV[3], ARGV[4], ARGV[6], ARGV[7])
redis.call('SREM', P .. 'node:' .. ARGV[5] .. ':joins', ARGV[3])
return out
`;

/** ARGV: prefix, epoch, ref, cap, then name and message of each chat, in order. */
export const chatScript = `${prelude}
local ref = ARGV[3]
local R = P .. 'room:' .. ref
if redis.call('EXISTS', R) == 0 then return {'no-room'} end
local evs = {}
for i = 5, #ARGV, 2 do
  local _, ev = append(ref, 'C', 0, ARGV[i], ARGV[i + 1], ARGV[4])
  evs[#evs + 1] = ev
end
redis.call('PUBLISH', R, table.concat(evs))
return {'ok'}
`;

/** ARGV: prefix, epoch. A new JOIN_ID (T7). */
export const issueJoinIdScript = `${prelude}
return {'id', redis.call('INCR', P .. 'next:join')}
`;

/**
 * ARGV: prefix, nodeId. A node stopping on purpose leaves the set of nodes, if every member it
 * had has left (their leaves were published). If not (the store failed it meanwhile), it is
 * marked dead at once, so that another node reaps what is left: never a member nobody removes.
 * No epoch check: on a Redis that lost its data there is nothing of this node to keep.
 */
export const stopScript = `
local P = ARGV[1]
if redis.call('SCARD', P .. 'node:' .. ARGV[2] .. ':joins') == 0 then
  redis.call('ZREM', P .. 'nodes', ARGV[2])
  return 'gone'
end
redis.call('ZADD', P .. 'nodes', 0, ARGV[2])
return 'left to reap'
`;

/**
 * ARGV: prefix, epoch, nodeId, expiresAtMs. The node is alive until then; 'reaped' if the
 * others took it for dead meanwhile (and published its members' leaves). Returns the counters, which a node keeps as the floor
 * for identifiers should Redis lose its data (see recoverScript).
 */
export const heartbeatScript = `${prelude}
local N = P .. 'node:' .. ARGV[3]
local state = 'alive'
if redis.call('DEL', N .. ':reaped') == 1 then state = 'reaped' end
redis.call('ZADD', P .. 'nodes', ARGV[4], ARGV[3])
return {state, redis.call('GET', P .. 'next:join') or '0', redis.call('GET', P .. 'next:ref') or '0'}
`;

/**
 * ARGV: prefix, epoch, deadNodeId, cap, keepLogMs. A survivor that holds the dead node's lock
 * publishes the leave of each of its members, once, through the same ordered path.
 */
export const reapScript = `${prelude}
local dead = ARGV[3]
local joins = redis.call('SMEMBERS', P .. 'node:' .. dead .. ':joins')
local left = 0
for _, joinId in ipairs(joins) do
  local out = leaveAll(joinId, '', ARGV[4], ARGV[5])
  left = left + #out / 2
end
redis.call('DEL', P .. 'node:' .. dead .. ':joins')
redis.call('ZREM', P .. 'nodes', dead)
-- Should it be alive after all (a long pause), its next heartbeat learns it was taken for dead.
redis.call('SET', P .. 'node:' .. dead .. ':reaped', '1', 'PX', 86400000)
return {'reaped', #joins, left}
`;

/**
 * ARGV: prefix, newEpoch, joinFloor, refFloor. After Redis lost its data: the first node to
 * notice sets a new epoch; every node raises the counters past every identifier it knew of,
 * so none is ever issued twice (T7). Returns the epoch in force.
 */
export const recoverScript = `
local P = ARGV[1]
redis.call('SET', P .. 'epoch', ARGV[2], 'NX')
for key, floor in pairs({['next:join'] = ARGV[3], ['next:ref'] = ARGV[4]}) do
  local now = tonumber(redis.call('GET', P .. key) or '0')
  if now < tonumber(floor) then redis.call('SET', P .. key, floor) end
end
return redis.call('GET', P .. 'epoch')
`;
