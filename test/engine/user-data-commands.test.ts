import { ResourceView } from '../../src/engine/model';
import { imdsV1Calls, userDataFindings } from '../../src/engine/user-data';

/**
 * Imdsv2-UserDataV1 judges each command, not each line (issue #17 item 2). Every row is a
 * script and the tokenless IMDS calls expected in it, as [line, excerpt] per command; an
 * empty list means the script must raise nothing (no false positive).
 *
 * Rows marked `issue` are the cases named in the issue; they fail on the line-based detector.
 */
type Shell = 'bash' | 'sh' | 'cloud-init' | 'powershell' | 'cfn-init';
type Client = 'curl' | 'wget' | 'ec2-metadata' | 'Invoke-RestMethod' | 'Invoke-WebRequest' | 'WebClient';
interface Row {
  readonly name: string;
  readonly shell: Shell;
  readonly client: Client;
  /** A script; for cfn-init, the `command` value (a string or an argv array). */
  readonly script: string | readonly string[];
  readonly expected: ReadonlyArray<readonly [number, string]>;
}

const V4 = 'http://169.254.169.254/latest';
const V6 = 'http://[fd00:ec2::254]/latest';
const PUT = `TOKEN=$(curl -sX PUT "${V4}/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")`;
const WITH_TOKEN = `curl -s -H "X-aws-ec2-metadata-token: $TOKEN" ${V4}/meta-data/instance-id`;
const PS_PUT = `$t = Invoke-RestMethod -Method PUT -Uri ${V4}/api/token -Headers @{'X-aws-ec2-metadata-token-ttl-seconds'='21600'}`;
const lines = (...l: string[]) => l.join('\n');

const rows: Row[] = [
  // ---- bash ----
  { name: 'tokenless curl over IPv4', shell: 'bash', client: 'curl', script: `curl -s ${V4}/meta-data/instance-id`, expected: [[1, `curl -s ${V4}/meta-data/instance-id`]] },
  { name: 'tokenless curl over IPv6', shell: 'bash', client: 'curl', script: `#!/bin/bash\ncurl -s ${V6}/meta-data/instance-id`, expected: [[2, `curl -s ${V6}/meta-data/instance-id`]] },
  { name: 'the token dance on two lines', shell: 'bash', client: 'curl', script: lines('#!/bin/bash', PUT, WITH_TOKEN), expected: [] },
  {
    name: 'the token dance split over continuation lines',
    shell: 'bash',
    client: 'curl',
    script: lines('TOKEN=$(curl -sX PUT \\', `  "${V4}/api/token" \\`, '  -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")', 'curl -s \\', '  -H "X-aws-ec2-metadata-token: $TOKEN" \\', `  ${V4}/meta-data/instance-id`),
    expected: [],
  },
  { name: 'the token dance on one line with &&', shell: 'bash', client: 'curl', script: `${PUT} && ${WITH_TOKEN}`, expected: [] },
  {
    name: 'issue: a token request and a tokenless call joined with &&',
    shell: 'bash',
    client: 'curl',
    script: `${PUT} && curl -s ${V4}/meta-data/instance-id`,
    expected: [[1, `curl -s ${V4}/meta-data/instance-id`]],
  },
  {
    name: 'issue: a call with a token and one without, separated by ;',
    shell: 'bash',
    client: 'curl',
    script: `${WITH_TOKEN}; curl -s ${V4}/meta-data/local-ipv4`,
    expected: [[1, `curl -s ${V4}/meta-data/local-ipv4`]],
  },
  {
    name: 'two tokenless calls on one line are two findings',
    shell: 'bash',
    client: 'curl',
    script: `curl -s ${V4}/meta-data/instance-id; curl -s ${V6}/meta-data/local-ipv4`,
    expected: [[1, `curl -s ${V4}/meta-data/instance-id`], [1, `curl -s ${V6}/meta-data/local-ipv4`]],
  },
  { name: 'issue: curl by absolute path', shell: 'bash', client: 'curl', script: `ID=$(/usr/bin/curl -s ${V4}/meta-data/instance-id)`, expected: [[1, `/usr/bin/curl -s ${V4}/meta-data/instance-id`]] },
  { name: 'issue: wget by absolute path', shell: 'bash', client: 'wget', script: `/bin/wget -qO- ${V6}/meta-data/local-ipv4`, expected: [[1, `/bin/wget -qO- ${V6}/meta-data/local-ipv4`]] },
  {
    name: 'issue: a GET that sends only the ttl header (curl)',
    shell: 'bash',
    client: 'curl',
    script: `curl -s -H "X-aws-ec2-metadata-token-ttl-seconds: 21600" ${V4}/meta-data/instance-id`,
    expected: [[1, `curl -s -H "X-aws-ec2-metadata-token-ttl-seconds: 21600" ${V4}/meta-data/instance-id`]],
  },
  {
    name: 'issue: a GET that sends only the ttl header (wget)',
    shell: 'bash',
    client: 'wget',
    script: `wget -qO- --header="X-aws-ec2-metadata-token-ttl-seconds: 21600" ${V4}/meta-data/`,
    expected: [[1, `wget -qO- --header="X-aws-ec2-metadata-token-ttl-seconds: 21600" ${V4}/meta-data/`]],
  },
  {
    name: 'issue: a trailing comment that mentions /latest/api/token',
    shell: 'bash',
    client: 'curl',
    script: `curl -s ${V4}/meta-data/instance-id # TODO: move to /latest/api/token`,
    expected: [[1, `curl -s ${V4}/meta-data/instance-id`]],
  },
  { name: 'a commented-out tokenless call', shell: 'bash', client: 'curl', script: lines('#!/bin/bash', `  # curl -s ${V4}/meta-data/instance-id`), expected: [] },
  { name: 'a trailing comment that quotes a tokenless call', shell: 'bash', client: 'curl', script: lines(PUT, `${WITH_TOKEN} # was: curl ${V4}/meta-data/instance-id`), expected: [] },
  {
    name: 'a ; inside quotes does not split the command',
    shell: 'bash',
    client: 'curl',
    script: `curl -s -A "probe; v1 && v2" ${V4}/meta-data/instance-id`,
    expected: [[1, `curl -s -A "probe; v1 && v2" ${V4}/meta-data/instance-id`]],
  },
  { name: 'a # inside a word or quotes is not a comment', shell: 'bash', client: 'curl', script: `curl -s -A "#probe" -o /tmp/id#1 ${V4}/meta-data/instance-id`, expected: [[1, `curl -s -A "#probe" -o /tmp/id#1 ${V4}/meta-data/instance-id`]] },
  {
    name: 'a heredoc that writes a script with a tokenless call',
    shell: 'bash',
    client: 'curl',
    script: lines('#!/bin/bash', "cat > /usr/local/bin/whoami.sh <<'EOF'", '#!/bin/bash', 'echo "it\'s me"', `curl -s ${V4}/meta-data/instance-id`, 'EOF', 'chmod +x /usr/local/bin/whoami.sh'),
    expected: [[5, `curl -s ${V4}/meta-data/instance-id`]],
  },
  { name: 'a heredoc that writes the token dance', shell: 'bash', client: 'curl', script: lines('cat > /opt/id.sh <<EOF', PUT, WITH_TOKEN, 'EOF'), expected: [] },
  {
    name: 'an apostrophe in a heredoc body does not hide the commands after it',
    shell: 'bash',
    client: 'curl',
    script: lines('cat > /etc/motd <<-EOF', "\tDon't call the metadata service by hand", '\tEOF', `curl -s ${V4}/meta-data/instance-id`),
    expected: [[4, `curl -s ${V4}/meta-data/instance-id`]],
  },
  { name: 'a tokenless call in a $( ) inside double quotes', shell: 'bash', client: 'curl', script: `echo "instance $(curl -s ${V4}/meta-data/instance-id) up"`, expected: [[1, `curl -s ${V4}/meta-data/instance-id`]] },
  {
    name: 'a tokenless call piped into jq',
    shell: 'bash',
    client: 'curl',
    script: `REGION=$(curl -s ${V4}/dynamic/instance-identity/document | jq -r .region)`,
    expected: [[1, `curl -s ${V4}/dynamic/instance-identity/document`]],
  },
  {
    name: 'a || fallback to a tokenless call',
    shell: 'bash',
    client: 'curl',
    script: lines(PUT, `curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" ${V4}/meta-data/instance-id || curl -sf ${V4}/meta-data/instance-id`),
    expected: [[2, `curl -sf ${V4}/meta-data/instance-id`]],
  },
  {
    name: 'a tokenless call continued over lines (IPv6)',
    shell: 'bash',
    client: 'curl',
    script: lines('echo start', 'curl -s \\', '  --retry 3 \\', `  ${V6}/meta-data/instance-id`),
    expected: [[2, `curl -s --retry 3 ${V6}/meta-data/instance-id`]],
  },
  { name: 'a call after a continued && starts on its own line', shell: 'bash', client: 'curl', script: lines('mkdir -p /etc/app && \\', `  curl -so /etc/app/id ${V4}/meta-data/instance-id`), expected: [[2, `curl -so /etc/app/id ${V4}/meta-data/instance-id`]] },
  { name: 'the address in a variable, the call after ;', shell: 'bash', client: 'curl', script: `IMDS=${V6}; curl -s $IMDS/meta-data/instance-id`, expected: [[1, 'curl -s $IMDS/meta-data/instance-id']] },
  {
    name: 'the token endpoint in a variable',
    shell: 'bash',
    client: 'curl',
    script: lines(`TOKEN_URL=${V4}/api/token`, 'TOKEN=$(curl -sX PUT "$TOKEN_URL" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")', WITH_TOKEN),
    expected: [],
  },
  {
    name: 'a token fetched inline in the header',
    shell: 'bash',
    client: 'curl',
    script: `curl -s -H "X-aws-ec2-metadata-token: $(curl -sX PUT ${V4}/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" ${V4}/meta-data/instance-id`,
    expected: [],
  },
  { name: 'a tokenless call through sudo in a ( ) group', shell: 'bash', client: 'curl', script: `( cd /tmp; sudo -u app curl -s ${V4}/meta-data/instance-id )`, expected: [[1, `sudo -u app curl -s ${V4}/meta-data/instance-id`]] },
  { name: 'a tokenless call in backticks', shell: 'bash', client: 'curl', script: `ID=\`curl -s ${V4}/meta-data/instance-id\``, expected: [[1, `ID=\`curl -s ${V4}/meta-data/instance-id\``]] },
  { name: 'an iptables rule and an echo that name the address', shell: 'bash', client: 'curl', script: 'iptables -A OUTPUT -d 169.254.169.254 -j DROP; echo "blocked 169.254.169.254" | logger', expected: [] },
  { name: 'ec2-metadata (fetches its own token)', shell: 'bash', client: 'ec2-metadata', script: lines('#!/bin/bash', 'ID=$(ec2-metadata --instance-id | cut -d " " -f 2)', 'ec2-metadata -z'), expected: [] },
  { name: 'ec2-metadata then a tokenless curl on the same line', shell: 'bash', client: 'ec2-metadata', script: `ec2-metadata -i; curl -s ${V4}/meta-data/local-ipv4`, expected: [[1, `curl -s ${V4}/meta-data/local-ipv4`]] },

  // ---- sh ----
  {
    name: 'the token dance in backticks with wget',
    shell: 'sh',
    client: 'wget',
    script: lines('#!/bin/sh', `TOKEN=\`curl -s -X PUT ${V4}/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60"\``, `wget -qO- --header "X-aws-ec2-metadata-token: $TOKEN" ${V4}/meta-data/instance-id`),
    expected: [],
  },
  { name: 'a tokenless wget after &&', shell: 'sh', client: 'wget', script: lines('#!/bin/sh', `mkdir -p /etc/app && wget -qO /etc/app/id ${V4}/meta-data/instance-id`), expected: [[2, `wget -qO /etc/app/id ${V4}/meta-data/instance-id`]] },
  {
    name: 'issue: a wget token and a tokenless wget joined on one line',
    shell: 'sh',
    client: 'wget',
    script: `T=$(wget -qO- --method=PUT --header="X-aws-ec2-metadata-token-ttl-seconds: 60" ${V4}/api/token) && wget -qO- ${V6}/meta-data/instance-id`,
    expected: [[1, `wget -qO- ${V6}/meta-data/instance-id`]],
  },
  { name: 'a tokenless call in the background (&)', shell: 'sh', client: 'curl', script: `curl -s ${V4}/meta-data/instance-id > /tmp/id 2>&1 & wait`, expected: [[1, `curl -s ${V4}/meta-data/instance-id > /tmp/id 2>&1`]] },

  // ---- cloud-init ----
  { name: 'runcmd with a tokenless curl', shell: 'cloud-init', client: 'curl', script: lines('#cloud-config', 'runcmd:', `  - curl -s ${V4}/meta-data/instance-id > /etc/instance-id`), expected: [[3, `- curl -s ${V4}/meta-data/instance-id > /etc/instance-id`]] },
  { name: 'runcmd flow list with a tokenless curl', shell: 'cloud-init', client: 'curl', script: lines('#cloud-config', 'runcmd:', `  - [ curl, -s, "${V4}/meta-data/instance-id" ]`), expected: [[3, `- [ curl, -s, "${V4}/meta-data/instance-id" ]`]] },
  { name: 'runcmd block with the token dance', shell: 'cloud-init', client: 'curl', script: lines('#cloud-config', 'runcmd:', '  - |', `    ${PUT}`, `    ${WITH_TOKEN}`), expected: [] },
  {
    name: 'issue: runcmd item with a token and a tokenless call joined by &&',
    shell: 'cloud-init',
    client: 'curl',
    script: lines('#cloud-config', 'runcmd:', `  - ${PUT} && curl -s ${V6}/meta-data/instance-id`),
    expected: [[3, `curl -s ${V6}/meta-data/instance-id`]],
  },
  {
    name: 'write_files script with a tokenless IPv6 call',
    shell: 'cloud-init',
    client: 'curl',
    script: lines('#cloud-config', 'write_files:', '  - path: /usr/local/bin/az.sh', "    permissions: '0755'", '    content: |', '      #!/bin/bash', `      curl -s ${V6}/meta-data/placement/availability-zone`),
    expected: [[7, `curl -s ${V6}/meta-data/placement/availability-zone`]],
  },

  // ---- PowerShell ----
  { name: 'tokenless Invoke-RestMethod', shell: 'powershell', client: 'Invoke-RestMethod', script: lines('<powershell>', `$id = Invoke-RestMethod -Uri ${V4}/meta-data/instance-id`, '</powershell>'), expected: [[2, `$id = Invoke-RestMethod -Uri ${V4}/meta-data/instance-id`]] },
  { name: 'tokenless Invoke-WebRequest over IPv6', shell: 'powershell', client: 'Invoke-WebRequest', script: `$az = (Invoke-WebRequest -UseBasicParsing -Uri ${V6}/meta-data/instance-id).Content`, expected: [[1, `$az = (Invoke-WebRequest -UseBasicParsing -Uri ${V6}/meta-data/instance-id).Content`]] },
  {
    name: 'issue: a PowerShell token and a tokenless call separated by ;',
    shell: 'powershell',
    client: 'Invoke-RestMethod',
    script: `${PS_PUT}; Invoke-RestMethod -Uri ${V4}/meta-data/instance-id`,
    expected: [[1, `Invoke-RestMethod -Uri ${V4}/meta-data/instance-id`]],
  },
  { name: 'the PowerShell token dance on one line', shell: 'powershell', client: 'Invoke-RestMethod', script: `${PS_PUT}; Invoke-RestMethod -Headers @{'X-aws-ec2-metadata-token'=$t} -Uri ${V4}/meta-data/instance-id`, expected: [] },
  {
    name: 'a ; inside a PowerShell hashtable does not split the command',
    shell: 'powershell',
    client: 'Invoke-RestMethod',
    script: lines(PS_PUT, `Invoke-RestMethod -Uri ${V4}/meta-data/instance-id -Headers @{'Accept'='text/plain'; 'X-aws-ec2-metadata-token'=$t}`),
    expected: [],
  },
  {
    name: 'issue: a PowerShell GET that sends only the ttl header',
    shell: 'powershell',
    client: 'Invoke-RestMethod',
    script: `Invoke-RestMethod -Headers @{'X-aws-ec2-metadata-token-ttl-seconds'=60} ${V4}/meta-data/`,
    expected: [[1, `Invoke-RestMethod -Headers @{'X-aws-ec2-metadata-token-ttl-seconds'=60} ${V4}/meta-data/`]],
  },
  { name: 'a tokenless call continued with backticks', shell: 'powershell', client: 'Invoke-WebRequest', script: lines('Invoke-WebRequest `', '  -UseBasicParsing `', `  -Uri ${V4}/meta-data/instance-id`), expected: [[1, `Invoke-WebRequest -UseBasicParsing -Uri ${V4}/meta-data/instance-id`]] },
  { name: 'the token header on a backtick continuation line', shell: 'powershell', client: 'Invoke-RestMethod', script: lines(PS_PUT, 'Invoke-RestMethod `', "  -Headers @{'X-aws-ec2-metadata-token'=$t} `", `  -Uri ${V4}/meta-data/instance-id`), expected: [] },
  {
    name: 'a <# #> block comment hides its calls, not the call after it',
    shell: 'powershell',
    client: 'Invoke-RestMethod',
    script: lines('<#', `  Invoke-RestMethod ${V4}/meta-data/instance-id`, '#> ' + `Invoke-RestMethod ${V4}/meta-data/local-ipv4`),
    expected: [[3, `Invoke-RestMethod ${V4}/meta-data/local-ipv4`]],
  },
  {
    name: 'issue: a PowerShell trailing comment that mentions /latest/api/token',
    shell: 'powershell',
    client: 'Invoke-RestMethod',
    script: `Invoke-RestMethod -Uri ${V4}/meta-data/instance-id # see /latest/api/token`,
    expected: [[1, `Invoke-RestMethod -Uri ${V4}/meta-data/instance-id`]],
  },
  {
    name: 'issue: curl.exe by absolute path',
    shell: 'powershell',
    client: 'curl',
    script: `& "C:\\Windows\\System32\\curl.exe" -s ${V4}/meta-data/instance-id`,
    // `&` is PowerShell's call operator here; read as a separator, it leaves the call whole.
    expected: [[1, `"C:\\Windows\\System32\\curl.exe" -s ${V4}/meta-data/instance-id`]],
  },
  {
    name: 'a WebClient that adds the token header',
    shell: 'powershell',
    client: 'WebClient',
    script: lines(PS_PUT, '$wc = New-Object System.Net.WebClient', "$wc.Headers.Add('X-aws-ec2-metadata-token', $t)", `$wc.DownloadString('${V4}/meta-data/instance-id')`),
    expected: [],
  },
  { name: 'a tokenless WebClient', shell: 'powershell', client: 'WebClient', script: `(New-Object System.Net.WebClient).DownloadString('${V4}/meta-data/instance-id')`, expected: [[1, `(New-Object System.Net.WebClient).DownloadString('${V4}/meta-data/instance-id')`]] },

  // ---- cfn-init (through userDataFindings, the way the rule reads AWS::CloudFormation::Init) ----
  { name: 'a tokenless command string', shell: 'cfn-init', client: 'curl', script: `curl -s ${V4}/meta-data/instance-id > /etc/id`, expected: [[1, `curl -s ${V4}/meta-data/instance-id > /etc/id`]] },
  { name: 'a command array with the token header', shell: 'cfn-init', client: 'curl', script: ['curl', '-s', '-H', 'X-aws-ec2-metadata-token: $T', `${V4}/meta-data/instance-id`], expected: [] },
  { name: 'issue: a command string with a token request and a tokenless call', shell: 'cfn-init', client: 'curl', script: `${PUT} && curl -s ${V4}/meta-data/instance-id`, expected: [[1, `curl -s ${V4}/meta-data/instance-id`]] },
  {
    name: 'issue: a command array that sends only the ttl header',
    shell: 'cfn-init',
    client: 'wget',
    script: ['wget', '-qO-', '--header=X-aws-ec2-metadata-token-ttl-seconds: 60', `${V6}/meta-data/instance-id`],
    expected: [[1, `wget -qO- --header=X-aws-ec2-metadata-token-ttl-seconds: 60 ${V6}/meta-data/instance-id`]],
  },
  { name: 'a command string with the token dance on one line', shell: 'cfn-init', client: 'curl', script: `${PUT}; ${WITH_TOKEN}`, expected: [] },
  {
    name: 'a Windows command running a tokenless Invoke-RestMethod',
    shell: 'cfn-init',
    client: 'Invoke-RestMethod',
    script: `powershell.exe -Command "Invoke-RestMethod -Uri ${V4}/meta-data/instance-id"`,
    expected: [[1, `powershell.exe -Command "Invoke-RestMethod -Uri ${V4}/meta-data/instance-id"`]],
  },
];

/** [line, excerpt] of each tokenless call the rule finds in `row`. */
function verdicts(row: Row): Array<[number, string]> {
  if (row.shell !== 'cfn-init') return imdsV1Calls(row.script as string).map((c) => [c.line, c.text]);
  const resource: ResourceView = { key: 't#R', logicalId: 'R', type: 'AWS::EC2::Instance', properties: {}, path: 't#R' };
  const metadata = { 'AWS::CloudFormation::Init': { config: { commands: { '01': { command: row.script } } } } };
  return userDataFindings(resource, { properties: {}, metadata }).map((f) => {
    const m = /line (\d+) calls the instance metadata service without a token \((.*)\): it fails/.exec(f.problem);
    return [Number(m?.[1]), m?.[2] ?? f.problem];
  });
}

describe('Imdsv2-UserDataV1 judges each command', () => {
  test('the table covers every shell, client and both addresses', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const shells = new Set(rows.map((r) => r.shell));
    const clients = new Set(rows.map((r) => r.client));
    expect([...shells].sort()).toEqual(['bash', 'cfn-init', 'cloud-init', 'powershell', 'sh']);
    expect([...clients].sort()).toEqual(['Invoke-RestMethod', 'Invoke-WebRequest', 'WebClient', 'curl', 'ec2-metadata', 'wget']);
    const text = (r: Row) => [r.script].flat().join(' ');
    expect(rows.filter((r) => r.expected.length > 0 && text(r).includes('fd00:ec2::254')).length).toBeGreaterThan(3);
    expect(rows.filter((r) => r.expected.length === 0).length).toBeGreaterThan(10);
  });

  test.each(rows.map((r) => [`${r.shell}: ${r.name}`, r] as const))('%s', (_, row) => {
    expect(verdicts(row)).toEqual(row.expected);
  });
});
