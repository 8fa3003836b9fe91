import { eventPatternMatches } from './event-pattern';
import { denies } from './iam-conditions';
import { compileJsonFilterPattern, dimensionValue } from './json-filter-pattern';
import { runLogsInsightsQuery } from './logs-insights';

// The evaluators the guardrail tests rely on, checked against the examples AWS documents
// for each language: if one of them were wrong, the tests built on it would prove nothing.

describe('JSON metric filter patterns (CloudWatch Logs User Guide examples)', () => {
  // "Using metric filters to extract values from JSON log events": every pattern matches.
  const trailLike = JSON.stringify({
    eventType: 'UpdateTrail',
    sourceIPAddress: '111.111.111.111',
    arrayKey: ['value', 'another value'],
    objectList: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }],
    SomeObject: null,
    ThisFlag: true,
  });
  test.each([
    '{ $.eventType = "UpdateTrail" }',
    '{ $.sourceIPAddress != 123.123.* }',
    '{ $.arrayKey[0] = "value" }',
    '{ $.objectList[1].id = 2 }',
    '{ $.SomeObject IS NULL }',
    '{ $.SomeOtherObject NOT EXISTS }',
    '{ $.ThisFlag IS TRUE }',
  ])('%s matches the documented event', (pattern) => {
    expect(compileJsonFilterPattern(pattern).matches(trailLike)).toBe(true);
  });

  test.each([
    '{ $.eventType = "CreateTrail" }',
    '{ $.sourceIPAddress != 111.111.* }',
    '{ $.arrayKey[1] = "value" }',
    '{ $.objectList[0].id = 2 }',
    '{ $.ThisFlag IS NULL }',
    '{ $.eventType NOT EXISTS }',
    '{ $.ThisFlag IS FALSE }',
    // a quoted string never equals a JSON number, nor a number a JSON string
    '{ $.objectList[1].id = "2" }',
  ])('%s does not match it', (pattern) => {
    expect(compileJsonFilterPattern(pattern).matches(trailLike)).toBe(false);
  });

  // "JSON compound conditions": && before ||, parentheses.
  const compound = JSON.stringify({
    user: { id: 1, email: 'John.Stiles@example.com' },
    users: [{ id: 2, email: 'John.Doe@example.com' }, { id: 3, email: 'Jane.Doe@example.com' }],
    actions: ['GET', 'PUT', 'DELETE'],
    coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
  });
  test.each([
    ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', true],
    ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', false],
    ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', true],
    ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', false],
  ])('%s → %s', (pattern, expected) => {
    expect(compileJsonFilterPattern(pattern).matches(compound)).toBe(expected);
  });

  test('a selector on an array matches neither = nor != ("JSON special considerations")', () => {
    const event = JSON.stringify({ users: [1, 2, 3] });
    expect(compileJsonFilterPattern('{$.users = 1}').matches(event)).toBe(false);
    expect(compileJsonFilterPattern('{$.users != 1}').matches(event)).toBe(false);
  });

  test('OR pattern matching: {$.foo = bar || $.foo = baz}', () => {
    const bar = '{"foo": "bar"}';
    const baz = '{"foo": "baz"}';
    expect(compileJsonFilterPattern('{$.foo = bar}').matches(bar)).toBe(true);
    expect(compileJsonFilterPattern('{$.foo = bar}').matches(baz)).toBe(false);
    expect(compileJsonFilterPattern('{$.foo = baz }').matches(baz)).toBe(true);
    expect(compileJsonFilterPattern('{$.foo = bar || $.foo = baz }').matches(bar)).toBe(true);
    expect(compileJsonFilterPattern('{$.foo = bar || $.foo = baz }').matches(baz)).toBe(true);
  });

  test('wildcards at the start or end only: *Event, Event*, Ev*ent', () => {
    const put = '{"name": "PutEvent"}';
    const id = '{"name": "EventId"}';
    expect(compileJsonFilterPattern('{ $.name = *Event }').matches(put)).toBe(true);
    expect(compileJsonFilterPattern('{ $.name = Event* }').matches(id)).toBe(true);
    expect(compileJsonFilterPattern('{ $.name = Event* }').matches(put)).toBe(false);
    expect(compileJsonFilterPattern('{ $.name = "Ev*ent" }').matches('{"name": "Event"}')).toBe(false);
  });

  test('numeric comparisons ("Numeric comparisons" examples)', () => {
    const event = JSON.stringify({ latency: 1500, numbers: [5], processes: [0, 0, 0, 0, { averageRuntime: 55.5 }], errorCode: 400 });
    for (const pattern of ['{ $.latency >= 500 }', '{ $.numbers[0] < 10e3 }', '{ $.processes[4].averageRuntime <= 55.5 }',
      '{ $.errorCode = 400 }', '{ $.errorCode != 500 }', '{ $.latency > +1000 }']) {
      expect([pattern, compileJsonFilterPattern(pattern).matches(event)]).toEqual([pattern, true]);
    }
    expect(compileJsonFilterPattern('{ $.numbers[0] < 10e-3 }').matches(event)).toBe(false);
  });

  test('text that is not JSON never matches; a pattern outside the subset is refused', () => {
    expect(compileJsonFilterPattern('{ $.a = "1" }').matches('[ERROR] a=1')).toBe(false);
    expect(() => compileJsonFilterPattern('ERROR Exception')).toThrow(/not a JSON filter pattern/);
    expect(() => compileJsonFilterPattern('{ $.a =~ /x/ }')).toThrow();
  });

  test('dimension values come from the selected field', () => {
    expect(dimensionValue('$.user.email', compound)).toBe('John.Stiles@example.com');
    expect(dimensionValue('$.user.missing', compound)).toBeUndefined();
  });
});

describe('EventBridge event patterns (EventBridge User Guide semantics)', () => {
  const event = {
    'source': 'aws.ec2',
    'detail-type': 'EC2 Instance State-change Notification',
    'resources': ['arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0'],
    'detail': { 'instance-id': 'i-1234567890abcdef0', 'state': 'terminated', 'tags': ['a', 'b'] },
  };
  test.each([
    [{ source: ['aws.ec2'] }, true],
    [{ source: ['aws.s3', 'aws.ec2'] }, true],
    [{ source: ['AWS.EC2'] }, false],
    [{ 'source': ['aws.ec2'], 'detail-type': ['Other'] }, false],
    [{ detail: { state: ['terminated'] } }, true],
    [{ detail: { state: ['running'] } }, false],
    [{ detail: { missing: ['x'] } }, false],
    [{ detail: { tags: ['b'] } }, true],
    [{ detail: { state: [{ prefix: 'term' }] } }, true],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { state: [{ exists: false }] } }, false],
    [{ detail: { state: [{ 'anything-but': ['running'] }] } }, true],
    [{ detail: { 'instance-id': { nested: ['x'] } } }, false],
  ])('%j → %s', (pattern, expected) => {
    expect(eventPatternMatches(pattern, event)).toBe(expected);
  });

  test('a content filter outside the subset is refused', () => {
    expect(() => eventPatternMatches({ detail: { state: [{ suffix: 'ed' }] } }, event)).toThrow(/not in the subset/);
  });
});

describe('Logs Insights queries (CloudWatch Logs User Guide syntax)', () => {
  const events = [
    { timestamp: 1, message: JSON.stringify({ user: 'a', method: 'GET', msg: 'user=a, method:GET, latency := 10' }) },
    { timestamp: 5, message: JSON.stringify({ user: 'a', method: 'PUT', msg: 'user=a, method:PUT, latency := 30' }) },
    { timestamp: 3, message: JSON.stringify({ user: 'b', method: 'GET', msg: 'user=b, method:GET, latency := 20' }) },
  ];

  test('parse with a glob (the guide\'s example), fields with aliases, filter, stats by, sort, limit', () => {
    const rows = runLogsInsightsQuery([
      'fields @timestamp, user as who',
      'parse msg "user=*, method:*, latency := *" as pu, pm, pl',
      'filter method = "GET"',
      'stats count(*) as calls, min(@timestamp) as first, max(@timestamp) as last by who, pl',
      'sort first desc',
      'limit 1',
    ].join('\n| '), events);
    expect(rows).toEqual([{ who: 'b', pl: '20', calls: 1, first: 3, last: 3 }]);
  });

  test('a trailing * captures to the end; a command outside the subset is refused', () => {
    const rows = runLogsInsightsQuery('parse msg "latency := *" as l | stats count(*) as n by l | sort n desc', events);
    expect(rows.map(r => r.l).sort()).toEqual(['10', '20', '30']);
    expect(() => runLogsInsightsQuery('fields a | dedup a', events)).toThrow(/not in the subset/);
  });
});

describe('IAM Deny statements (IAM User Guide: condition operators, policy variables)', () => {
  const deny = (Condition: Record<string, Record<string, string | string[]>>) => ({ Effect: 'Deny', Action: '*', Condition });

  test('a missing key makes StringNotEquals and ArnNotLike true, StringEquals false; IfExists and Null', () => {
    expect(denies(deny({ StringNotEquals: { 'aws:PrincipalTag/team': 'a' } }), 's3:GetObject', {})).toBe(true);
    expect(denies(deny({ StringEquals: { 'aws:PrincipalTag/team': 'a' } }), 's3:GetObject', {})).toBe(false);
    expect(denies(deny({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/X' } }), 's3:GetObject', {})).toBe(true);
    expect(denies(deny({ BoolIfExists: { 'aws:ViaAWSService': 'false' } }), 's3:GetObject', {})).toBe(true);
    expect(denies(deny({ BoolIfExists: { 'aws:ViaAWSService': 'false' } }), 's3:GetObject', { 'aws:ViaAWSService': 'true' })).toBe(false);
    expect(denies(deny({ Null: { 'ec2:SourceInstanceARN': 'false' } }), 's3:GetObject', {})).toBe(false);
    expect(denies(deny({ Null: { 'ec2:SourceInstanceARN': 'false' } }), 's3:GetObject', { 'ec2:SourceInstanceArn': 'arn:aws:ec2:eu-west-1:1:instance/i-1' })).toBe(true);
  });

  test('ArnNotLike compares each part with wildcards; key names are case-insensitive; variables resolve or the statement does not apply', () => {
    const statement = deny({ ArnNotLike: { 'aws:PrincipalArn': ['arn:*:iam::*:role/aws:ec2-infrastructure', 'arn:aws:iam::*:role/Ops*'] } });
    expect(denies(statement, 'x:y', { 'aws:principalarn': 'arn:aws-cn:iam::123456789012:role/aws:ec2-infrastructure' })).toBe(false);
    expect(denies(statement, 'x:y', { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/OpsAdmin' })).toBe(false);
    expect(denies(statement, 'x:y', { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Web' })).toBe(true);
    const variable = deny({ StringNotEquals: { 'aws:EC2InstanceSourceVPC': '${aws:SourceVpc}' } });
    expect(denies(variable, 'x:y', { 'aws:Ec2InstanceSourceVpc': 'vpc-1', 'aws:SourceVpc': 'vpc-2' })).toBe(true);
    expect(denies(variable, 'x:y', { 'aws:Ec2InstanceSourceVpc': 'vpc-1', 'aws:SourceVpc': 'vpc-1' })).toBe(false);
    expect(denies(variable, 'x:y', { 'aws:Ec2InstanceSourceVpc': 'vpc-1' })).toBe(false);
    expect(denies({ Effect: 'Deny', Action: ['s3:*', 'sts:AssumeRole'] }, 's3:GetObject', {})).toBe(true);
    expect(denies({ Effect: 'Deny', Action: ['s3:*', 'sts:AssumeRole'] }, 'ec2:RunInstances', {})).toBe(false);
    expect(() => denies(deny({ IpAddress: { 'aws:SourceIp': '1.2.3.4/32' } }), 'x:y', {})).toThrow(/not in the subset/);
  });
});
