// A generated Azure NSG flow log (version 2), as the engine's replay benchmark makes one
// (crates/flowverify/benches/replay.rs): records of 10,000 tuples over `distinct` flows picked
// with a skew (the smaller of two uniform picks, so some flows repeat often, as real traffic
// does), states B, C and E with counters on C and E. Local addresses 10.0.0-3.4-203; remote ones
// from the Internet (203.0.x.y), 198.51.x.7 or 10.x.y.9; services 443, 80, 22, 3389, 53, 1433,
// 8080; a quarter of the flows logged denied. Used by bench.mjs (1,000,000 tuples, about 70 MB)
// and the replay spec (Cancel on a big log).
import { writeFileSync } from 'node:fs';

/** A deterministic generator (xorshift32): the same log every run. */
function generator(seed) {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

/** The log's text: `tuples` tuples over `distinct` flows. */
export function generateLog({ tuples = 1_000_000, distinct = 50_000, perRecord = 10_000, seed = 0x9e3779b9 } = {}) {
  const below = generator(seed);
  const services = ['443', '80', '22', '3389', '53', '1433', '8080'];
  const flows = Array.from({ length: distinct }, () => {
    const inbound = below(2) === 0;
    const proto = below(2) ? 'U' : 'T';
    const local = `10.0.${below(4)}.${4 + below(200)}`;
    const remote = [
      () => `203.0.${below(256)}.${below(256)}`,
      () => `198.51.${below(256)}.7`,
      () => `10.${below(4)}.${below(256)}.9`,
    ][below(3)]();
    const service = services[below(services.length)];
    const ephemeral = 32768 + below(28000);
    const decision = below(4) === 0 ? 'D' : 'A';
    return inbound ? `${remote},${local},${ephemeral},${service},${proto},I,${decision}`
      : `${local},${remote},${ephemeral},${service},${proto},O,${decision}`;
  });
  const records = [];
  for (let record = 0; record * perRecord < tuples; record++) {
    const count = Math.min(perRecord, tuples - record * perRecord);
    const list = new Array(count);
    for (let i = 0; i < count; i++) {
      const flow = flows[Math.min(below(distinct), below(distinct))];
      const time = 1_704_067_200 + record * 60 + Math.floor(i / 200);
      const state = below(3);
      list[i] = flow.endsWith('D') || state === 0 ? `"${time},${flow},B,,,,"`
        : `"${time},${flow},${state === 1 ? 'C' : 'E'},${1 + below(40)},${64 + below(60000)},${1 + below(40)},${64 + below(60000)}"`;
    }
    const hh = String(Math.floor(record / 60) % 24).padStart(2, '0');
    const mm = String(record % 60).padStart(2, '0');
    records.push(`{"time":"2024-01-01T${hh}:${mm}:00.0000000Z","systemId":"00000000-0000-0000-0000-000000000000",`
      + '"category":"NetworkSecurityGroupFlowEvent","resourceId":"/SUBSCRIPTIONS/SUB/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-NIC",'
      + '"operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[{"rule":"UserRule_rule0","flows":[{"mac":"000D3AF87856","flowTuples":['
      + list.join(',') + ']}]}]}}');
  }
  return `{"records":[${records.join(',')}]}`;
}

/** Writes the generated log to `path`; returns its size in bytes. */
export function writeLog(path, options) {
  const text = generateLog(options);
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}
