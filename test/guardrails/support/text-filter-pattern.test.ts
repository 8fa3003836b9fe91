import { matchTextPattern, splitEvent } from './text-filter-pattern';

// The matcher against the examples of the CloudWatch Logs User Guide ("Filter pattern
// syntax"): if it disagreed with them, the tracer's metric filter tests would prove nothing.
describe('text filter patterns (the User Guide\'s examples)', () => {
  const fatal = '[ERROR] A fatal exception has occurred';
  const exiting = 'Exiting with ERRORCODE: -1';

  test('a term matches anywhere, case-sensitively', () => {
    expect(matchTextPattern('ERROR', fatal).matches).toBe(true);
    expect(matchTextPattern('ERROR', exiting).matches).toBe(true);
    expect(matchTextPattern('error', fatal).matches).toBe(false);
  });

  test('every term must appear; "-" excludes; "?" makes alternatives', () => {
    expect(matchTextPattern('ERROR Exception', '[ERROR] Caught IllegalArgumentException').matches).toBe(true);
    expect(matchTextPattern('ERROR Exception', fatal).matches).toBe(false);
    expect(matchTextPattern('"ERROR" -"Exiting"', exiting).matches).toBe(false);
    expect(matchTextPattern('"ERROR" -"Exiting"', fatal).matches).toBe(true);
    const events = ['ERROR WARN message', 'ERROR message', 'WARN message'];
    expect(events.map(e => matchTextPattern('?ERROR ?WARN', e).matches)).toEqual([true, true, true]);
    expect(events.map(e => matchTextPattern('ERROR WARN', e).matches)).toEqual([true, false, false]);
    expect(events.map(e => matchTextPattern('ERROR -WARN', e).matches)).toEqual([false, true, false]);
  });

  test('a quoted term is one exact phrase; an unquoted term with other characters is refused', () => {
    expect(matchTextPattern('"Failed to process"', '[WARN] Failed to process the request').matches).toBe(true);
    expect(matchTextPattern('"Failed to process"', '[WARN] Failed to the process').matches).toBe(false);
    expect(() => matchTextPattern('IMDSv1(!)', 'x')).toThrow('must be quoted');
  });

  const apache = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  ];

  test('space-delimited: [..] and ".." are one field each, extracted without their delimiters', () => {
    expect(splitEvent(apache[0])).toEqual(['127.0.0.1', '-', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /apache_pb.gif HTTP/1.0', '200', '1534']);
    expect(matchTextPattern('[ip, user, username, timestamp, request, status_code, bytes]', apache[0])).toEqual({
      matches: true,
      extracted: {
        $ip: '127.0.0.1',
        $user: '-',
        $username: 'frank',
        $timestamp: '10/Oct/2000:13:25:15 -0700',
        $request: 'GET /apache_pb.gif HTTP/1.0',
        $status_code: '200',
        $bytes: '1534',
      },
    });
  });

  test('space-delimited: the field count must fit, "..." absorbs any number of fields', () => {
    expect(matchTextPattern('[ip, user, username, timestamp, request, status_code]', apache[0]).matches).toBe(false);
    expect(matchTextPattern('[..., status_code, bytes]', apache[0]).extracted).toEqual({ $status_code: '200', $bytes: '1534' });
    expect(matchTextPattern('[ip, user, ...]', apache[0]).matches).toBe(true);
  });

  test('space-delimited conditions: strings with * wildcards, numbers', () => {
    const statuses = (pattern: string) => apache.map(e => matchTextPattern(pattern, e).matches);
    expect(statuses('[ip, user, username, timestamp, request, status_code = 200, bytes]')).toEqual([true, false]);
    expect(statuses('[ip, user, username, timestamp, request, status_code = 5*, bytes]')).toEqual([false, true]);
    expect(statuses('[ip, user, username, timestamp, request, status_code, bytes > 2000]')).toEqual([false, true]);
    expect(statuses('[ip, user, username, timestamp, request = *gif*, status_code != 500, bytes]')).toEqual([true, false]);
    expect(statuses('[ip, user = frank, ...]')).toEqual([false, false]);
    expect(statuses('[ip, user, username = Frank, ...]')).toEqual([false, false]);
  });
});
