/// The one Lua script through which every job state change goes, so each change is atomic and
/// costs one round trip: check the transition table, write the state and its bookkeeping, and
/// optionally record a trace, a deadline, a dead letter and a fallback result — only when the
/// change was applied, so duplicates and late results change and count nothing.
///
/// KEYS: 1 meta, 2 legacy state, 3 recent, 4 events, 5 deadline, 6 legacy result_ptr,
///       7 dlq entry, 8 dlq index, 9 result blob, 10 trace, 11 submitted packet (deleted
///       when the job ends: a job runs again, or is published again, from it)
/// ARGV: 1 id, 2 targets (comma-separated path, e.g. `SCHEDULED,DISPATCHED`),
///       3 allowed current states for the first target (comma-separated, `~` = no state),
///       4 now (µs), 5 meta TTL, 6 and 7 the first rank trimmed from `job:recent` and from a
///       terminal index (`-(limit + 1)`), 8 final is terminal (0/1),
///       9 dead-letter JSON or "", 10 dlq limit, 11 fallback result JSON or "", 12 data TTL,
///       13 trace id or "", 14 deadline unix or "0", 15… field/value pairs for the meta hash;
///       a field named `?name` is a precondition instead: meta `name` must equal the value
/// Returns {outcome, state before the call[, topic]} with outcome applied|unchanged|rejected.
///
/// Every `redis.call` costs Redis a command lookup, an argv and a timing sample (about 2 µs
/// here), and numbers passed to it are formatted with `%.17g`: so one HMGET reads what the
/// change needs, fields go in one HSET and events in one RPUSH, and numbers travel as text
/// (the microsecond stamp has at least seven digits: seconds are all but its last six).
enum TransitionScript {
    static let script = RedisScript(
        #"""
        local id = ARGV[1]
        local seen = redis.call('HMGET', KEYS[1], 'state', 'topic', 'deadline_unix')
        local cur = seen[1]
        if not cur then cur = redis.call('GET', KEYS[2]) end
        if not cur then cur = '' end

        local targets = {}
        for t in string.gmatch(ARGV[2], '[^,]+') do targets[#targets + 1] = t end
        local final = targets[#targets]
        if cur == final then return {'unchanged', cur} end

        local allowed = false
        local curName = cur
        if curName == '' then curName = '~' end
        for s in string.gmatch(ARGV[3], '[^,]+') do
          if s == curName then allowed = true break end
        end
        if not allowed then return {'rejected', cur} end
        for i = 15, #ARGV, 2 do
          if string.sub(ARGV[i], 1, 1) == '?' then
            if redis.call('HGET', KEYS[1], string.sub(ARGV[i], 2)) ~= ARGV[i + 1] then return {'rejected', cur} end
          end
        end

        -- Times travel as text: seconds are the microseconds without their last six digits.
        local nowUs = ARGV[4]
        local now = string.sub(nowUs, 1, -7)
        local ttl = ARGV[5]
        local created = cur == ''
        local terminal = ARGV[8] == '1'
        local topic = seen[2]

        -- job:recent scores are unique microsecond stamps, so the list cursor never skips a job.
        local score = nowUs
        local top = redis.call('ZREVRANGE', KEYS[3], '0', '0', 'WITHSCORES')[2]
        -- (equal-length digit strings compare like the numbers; numbers only when it matters)
        if top and (#top ~= #nowUs or top >= nowUs) and tonumber(top) >= tonumber(nowUs) then
          score = string.format('%d', tonumber(top) + 1)
        end


        local fields = {'state', final, 'updated_at', now}
        if created then fields[#fields + 1] = 'created_at'; fields[#fields + 1] = now end
        for i = 15, #ARGV, 2 do
          if string.sub(ARGV[i], 1, 1) ~= '?' then
          fields[#fields + 1] = ARGV[i]; fields[#fields + 1] = ARGV[i + 1]
          if ARGV[i] == 'result_ptr' then redis.call('SET', KEYS[6], ARGV[i + 1], 'EX', ttl) end
          if ARGV[i] == 'topic' then topic = ARGV[i + 1] end
          end
        end
        if ARGV[13] ~= '' then
          fields[#fields + 1] = 'trace_id'; fields[#fields + 1] = ARGV[13]
          redis.call('SADD', KEYS[10], id)
          redis.call('EXPIRE', KEYS[10], ttl)
        end
        if not terminal and ARGV[14] ~= '0' then
          fields[#fields + 1] = 'deadline_unix'; fields[#fields + 1] = ARGV[14]
          redis.call('ZADD', KEYS[5], ARGV[14], id)
        end
        redis.call('HSET', KEYS[1], unpack(fields))
        redis.call('SET', KEYS[2], final, 'EX', ttl)

        if not created then redis.call('ZREM', 'job:index:' .. string.lower(cur), id) end
        local finalIndex = 'job:index:' .. string.lower(final)
        redis.call('ZADD', finalIndex, now, id)
        redis.call('ZADD', KEYS[3], score, id)
        -- Only a new job makes job:recent longer; later changes move it within.
        if created then redis.call('ZREMRANGEBYRANK', KEYS[3], '0', ARGV[6]) end

        local events = {}
        for i, t in ipairs(targets) do events[i] = now .. '|' .. t end
        redis.call('RPUSH', KEYS[4], unpack(events))
        -- Every change renews the TTLs, as it renews the legacy state key's: a job may stay
        -- unfinished longer than JOB_META_TTL, and its hash must not expire before that key.
        redis.call('EXPIRE', KEYS[4], ttl)
        redis.call('EXPIRE', KEYS[1], ttl)

        if terminal then
          redis.call('DEL', KEYS[11])
          redis.call('ZREM', KEYS[5], id)
          if seen[3] then redis.call('HDEL', KEYS[1], 'deadline_unix') end
          redis.call('ZREMRANGEBYRANK', finalIndex, '0', ARGV[7])
          if ARGV[11] ~= '' then
            redis.call('SET', KEYS[9], ARGV[11], 'EX', ARGV[12], 'NX')
            if redis.call('HEXISTS', KEYS[1], 'result_ptr') == 0 then
              redis.call('HSET', KEYS[1], 'result_ptr', 'redis://' .. KEYS[9])
              redis.call('SET', KEYS[6], 'redis://' .. KEYS[9], 'EX', ttl)
            end
          end
          if ARGV[9] ~= '' then
            -- The entry carries the job's topic, so a retry works after the meta expires.
            local entry = cjson.decode(ARGV[9])
            if topic and (entry.topic == nil or entry.topic == '') then entry.topic = topic end
            redis.call('SET', KEYS[7], cjson.encode(entry), 'EX', ttl)
            redis.call('ZADD', KEYS[8], now, id)
            local limit = tonumber(ARGV[10])
            local n = redis.call('ZCARD', KEYS[8])
            if n > limit then
              local old = redis.call('ZRANGE', KEYS[8], 0, n - limit - 1)
              for _, o in ipairs(old) do redis.call('DEL', 'dlq:entry:' .. o) end
              redis.call('ZREMRANGEBYRANK', KEYS[8], 0, n - limit - 1)
            end
          end
        end
        return {'applied', cur, topic or ''}
        """#)
}
