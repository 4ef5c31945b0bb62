-- SPDX-License-Identifier: Apache-2.0
-- bench/wrk-report.lua: wrk's totals as one line of JSON for scripts/bench.
-- bytes counts what was read as it arrived (also of responses cut off by the end of the run).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"bytes":%d,"duration_us":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
