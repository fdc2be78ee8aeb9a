/// The one Lua script through which every job state change goes, so each change is atomic and
/// costs one round trip: check the transition table, write the state and its bookkeeping, and
/// optionally record a trace, a deadline, a dead letter and a fallback result — only when the
/// change was applied, so duplicates and late results change and count nothing.
///
/// KEYS: 1 meta, 2 legacy state, 3 recent, 4 events, 5 deadline, 6 legacy result_ptr,
///       7 dlq entry, 8 dlq index, 9 result blob, 10 trace
/// ARGV: 1 id, 2 targets (comma-separated path, e.g. `SCHEDULED,DISPATCHED`),
///       3 allowed current states for the first target (comma-separated, `~` = no state),
///       4 now (µs), 5 meta TTL, 6 recent limit, 7 terminal index limit, 8 final is terminal (0/1),
///       9 dead-letter JSON or "", 10 dlq limit, 11 fallback result JSON or "", 12 data TTL,
///       13 trace id or "", 14 deadline unix or "0", 15… field/value pairs for the meta hash
/// Returns {outcome, state before the call[, topic]} with outcome applied|unchanged|rejected.
enum TransitionScript {
    static let script = RedisScript(
        #"""
        local id = ARGV[1]
        local cur = redis.call('HGET', KEYS[1], 'state')
        if not cur then cur = redis.call('GET', KEYS[2]) end
        if not cur then cur = '' end

        local targets = {}
        for t in string.gmatch(ARGV[2], '[^,]+') do table.insert(targets, t) end
        local final = targets[#targets]
        if cur == final then return {'unchanged', cur} end

        local allowed = false
        local curName = cur
        if curName == '' then curName = '~' end
        for s in string.gmatch(ARGV[3], '[^,]+') do
          if s == curName then allowed = true break end
        end
        if not allowed then return {'rejected', cur} end

        local nowUs = tonumber(ARGV[4])
        local now = math.floor(nowUs / 1000000)
        local nowText = string.format('%d', now)
        local ttl = tonumber(ARGV[5])

        -- job:recent scores are unique microsecond stamps, so the list cursor never skips a job.
        local score = nowUs
        local top = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
        if top[2] and tonumber(top[2]) >= score then score = tonumber(top[2]) + 1 end

        local fields = {'state', final, 'updated_at', nowText}
        if cur == '' then
          table.insert(fields, 'created_at'); table.insert(fields, nowText)
        end
        for i = 15, #ARGV, 2 do
          table.insert(fields, ARGV[i]); table.insert(fields, ARGV[i + 1])
          if ARGV[i] == 'result_ptr' then redis.call('SET', KEYS[6], ARGV[i + 1], 'EX', ttl) end
        end
        if ARGV[13] ~= '' then
          table.insert(fields, 'trace_id'); table.insert(fields, ARGV[13])
          redis.call('SADD', KEYS[10], id)
          redis.call('EXPIRE', KEYS[10], ttl)
        end
        redis.call('HSET', KEYS[1], unpack(fields))
        redis.call('SET', KEYS[2], final, 'EX', ttl)

        if cur ~= '' then redis.call('ZREM', 'job:index:' .. string.lower(cur), id) end
        local finalIndex = 'job:index:' .. string.lower(final)
        redis.call('ZADD', finalIndex, now, id)
        redis.call('ZADD', KEYS[3], string.format('%d', score), id)
        -- Only a new job makes job:recent longer; later changes move it within.
        if cur == '' then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[6]) + 1)) end

        for _, t in ipairs(targets) do redis.call('RPUSH', KEYS[4], nowText .. '|' .. t) end
        redis.call('EXPIRE', KEYS[4], ttl)
        redis.call('EXPIRE', KEYS[1], ttl)
        -- KEYS[6] (legacy result_ptr) is only written with its own TTL, by the final change.

        if ARGV[8] == '1' then
          redis.call('ZREM', KEYS[5], id)
          redis.call('HDEL', KEYS[1], 'deadline_unix')
          redis.call('ZREMRANGEBYRANK', finalIndex, 0, -(tonumber(ARGV[7]) + 1))
          if ARGV[11] ~= '' then
            local dataTTL = tonumber(ARGV[12])
            redis.call('SET', KEYS[9], ARGV[11], 'EX', dataTTL, 'NX')
            if redis.call('HEXISTS', KEYS[1], 'result_ptr') == 0 then
              redis.call('HSET', KEYS[1], 'result_ptr', 'redis://' .. KEYS[9])
              redis.call('SET', KEYS[6], 'redis://' .. KEYS[9], 'EX', ttl)
            end
          end
          if ARGV[9] ~= '' then
            -- The entry carries the job's topic, so a retry works after the meta expires.
            local entry = cjson.decode(ARGV[9])
            local topic = redis.call('HGET', KEYS[1], 'topic')
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
        elseif ARGV[14] ~= '0' then
          redis.call('HSET', KEYS[1], 'deadline_unix', ARGV[14])
          redis.call('ZADD', KEYS[5], ARGV[14], id)
        end
        return {'applied', cur, redis.call('HGET', KEYS[1], 'topic') or ''}
        """#)
}
