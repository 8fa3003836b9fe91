import { runLogsInsightsQuery } from './logs-insights';

// The regex side of the Logs Insights subset (the tracer's saved query): parse with named
// groups (the User Guide's squid example), ispresent, text events, and a | inside a regex.
describe('Logs Insights: parse /regex/ and ispresent, on text events', () => {
  const squid = [
    { timestamp: 1, logStream: 'a', message: '1530000000.123 200 TCP_MISS/200 www.example.com:443 CONNECT' },
    { timestamp: 2, logStream: 'b', message: 'not a squid line' },
  ];

  test('named groups become fields; an event the regex does not match gets none', () => {
    const rows = runLogsInsightsQuery('parse @message /(?<time>[0-9]{10}\\.[0-9]{1,3}) .* (?<code>[A-Z_]+\\/[0-9]{3}) (?<url>[a-zA-Z.]+:[0-9]{1,5})/'
      + '\n| stats count(*) as n by @logStream, code, url', squid);
    expect(rows).toEqual([
      { '@logStream': 'a', 'code': 'TCP_MISS/200', 'url': 'www.example.com:443', 'n': 1 },
      { '@logStream': 'b', 'code': undefined, 'url': undefined, 'n': 1 },
    ]);
  });

  test('ispresent keeps the events that have the field; a | inside /regex/ does not split the query', () => {
    const rows = runLogsInsightsQuery('parse @message /(?<kind>TCP_MISS|TCP_HIT)/ | filter ispresent(kind) | stats count(*) as n by kind', squid);
    expect(rows).toEqual([{ kind: 'TCP_MISS', n: 1 }]);
  });

  test('regex constructs outside the subset are refused', () => {
    expect(() => runLogsInsightsQuery('parse @message /(?<=a)(?<b>b)/', squid)).toThrow(/not in the subset/);
    expect(() => runLogsInsightsQuery('parse @message /(?i)(?<b>b)/', squid)).toThrow(/not in the subset/);
  });
});
