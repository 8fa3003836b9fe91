// Shared, not exported from the package: the shell scripts that Imdsv2CallTracer's SSM
// documents run on an instance, the log format they configure, and the CloudWatch Logs
// filter patterns and Logs Insights query that read it. Pure text: no aws-cdk-lib here,
// so that the tests can lint the scripts (bash -n, shellcheck) and run the patterns and
// the query against sample lines.
//
// Nothing of aws-imds-packet-analyzer is copied: the scripts call its documented entry
// points (activate-tracer-service.sh, deactivate-tracer-service.sh, the systemd unit
// imds_tracer_tool.service those scripts manage, src/imds_snoop.py run from the checkout's
// root, which reads ./logging.conf when present) and name its documented log file.

/** The systemd unit that the analyzer's activate-tracer-service.sh installs. */
export const TRACER_SERVICE = 'imds_tracer_tool.service';

/** Where the analyzer writes its trace (its README, "Logging"). */
export const TRACE_LOG_FILE = '/var/log/imds/imds-trace.log';

/** Where the documents keep the downloaded source, and where the checkout is installed. */
export const DOWNLOAD_DIR = '/var/lib/imdsv2-call-tracer/download';
export const INSTALL_DIR = '/opt/imdsv2-call-tracer/aws-imds-packet-analyzer';

/** The CloudWatch agent's control script, where its packages install it. */
export const AGENT_CTL = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';

/**
 * The line format the documents configure through the analyzer's logging.conf: the
 * analyzer's own documented format `[time] [LEVEL] message`, with the instance id as a
 * third bracketed field, so that a space-delimited metric filter can publish it as a
 * dimension (CloudWatch Logs takes dimensions only from fields of the event, never from
 * the log stream's name). `INSTANCE_ID` is replaced on the instance.
 */
export const LOG_FORMAT = '[%(asctime)s] [%(levelname)s] [INSTANCE_ID] %(message)s';
export const LOG_DATE_FORMAT = '%Y-%m-%dT%H:%M:%S';

/**
 * Metric filter: IMDSv1 calls, one count per line, dimension InstanceId = the third field.
 * The level must be WARNING: unclassifiable calls (`{MISSING PAYLOAD}`, at ERROR) carry
 * the text `IMDSv1(!)` too, and are counted apart.
 */
export const IMDSV1_FILTER_PATTERN = '[time, level = WARNING, instance, call = IMDSv1*, ...]';

/** Metric filter: calls the analyzer could not classify (`{MISSING PAYLOAD}`: the only lines it logs at ERROR). */
export const UNCLASSIFIED_FILTER_PATTERN = '[time, level = ERROR, instance, ...]';

/** The space-delimited field that the metric filters publish as the InstanceId dimension. */
export const INSTANCE_FIELD = '$instance';

/**
 * Logs Insights: IMDSv1 callers by instance (the log stream, named after the instance id
 * by the agent configuration), process, its command line and its parent chain. The regex
 * accepts lines with or without the instance field, the analyzer's "Unable to get argv
 * information" form, and the " Req details: …" suffix newer analyzer versions append.
 */
export const CALLERS_QUERY = [
  'fields @timestamp, @logStream, @message',
  '| parse @message /^\\[[^\\]]*\\] \\[WARNING\\] (?:\\[[^\\]]*\\] )?IMDSv1\\(!\\) \\(pid:(?<pid>[0-9]+)(?::(?<process>.*?) argv:(?<argv>.*?)| Unable to get argv information)\\)(?: called by -> (?<parents>.*?))?(?: Req details: .*)?$/',
  '| filter ispresent(pid)',
  '| stats count(*) as calls, max(@timestamp) as lastCall by @logStream, process, argv, parents',
  '| sort calls desc',
  '| limit 1000',
].join('\n');

/** What the install script needs to know; values may be CloudFormation tokens. */
export interface InstallScriptOptions {
  /** Identifies what was installed (s3://bucket/key or git URL@commit), for idempotence. */
  readonly sourceId: string;
  /** The S3 key of the downloaded archive (saved under its last part); empty for a git checkout. */
  readonly archiveKey: string;
}

/** Shell-quote a value for a single-quoted context (a token stays a token: CloudFormation joins it in). */
function quoted(value: string): string {
  return `'${value.replace(/'/g, '\'"\'"\'')}'`;
}

/** Refuse anything that is not Linux with systemd; before anything is downloaded. */
export function prepareScript(): string {
  return `#!/bin/bash
# Imdsv2CallTracer: check the OS, then empty the download directory.
set -euo pipefail
if [ ! -r /etc/os-release ] || ! command -v systemctl >/dev/null 2>&1; then
  echo "Imdsv2CallTracer: unsupported OS: aws-imds-packet-analyzer needs Linux with systemd and /etc/os-release" >&2
  exit 1
fi
rm -rf ${DOWNLOAD_DIR}
mkdir -p ${DOWNLOAD_DIR}
`;
}

/** Install BCC, install the downloaded checkout, configure its log and start its service. */
export function installScript(options: InstallScriptOptions): string {
  return `#!/bin/bash
# Imdsv2CallTracer: install BCC, install aws-imds-packet-analyzer from the downloaded
# source and start its service (imds_tracer_tool.service) with the analyzer's own
# activate-tracer-service.sh. Runs again on every association run: does nothing when
# the same source is installed and the service is active.
set -euo pipefail
source_id=${quoted(options.sourceId)}
archive_key=${quoted(options.archiveKey)}
archive_name=\${archive_key##*/}
download_dir=${DOWNLOAD_DIR}
install_dir=${INSTALL_DIR}
service=${TRACER_SERVICE}
log_file=${TRACE_LOG_FILE}

fail() {
  echo "Imdsv2CallTracer: $*" >&2
  exit 1
}

os_field() {
  sed -n "s/^$1=//p" /etc/os-release | tr -d '"'
}

install_bcc() {
  if python3 -c 'import bcc' >/dev/null 2>&1; then
    echo "BCC is already installed"
    return
  fi
  local os_id version_id
  os_id=$(os_field ID)
  version_id=$(os_field VERSION_ID)
  case "$os_id:$version_id" in
    amzn:2023*)
      dnf install -y bcc-tools ;;
    amzn:2)
      amazon-linux-extras enable BCC
      yum install -y "kernel-devel-$(uname -r)" bcc ;;
    ubuntu:22.04)
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y bpfcc-tools "linux-headers-$(uname -r)" ;;
    rhel:*|fedora:*)
      yum install -y bcc-tools libbpf ;;
    *)
      fail "unsupported OS $os_id $version_id: aws-imds-packet-analyzer is installed here on Amazon Linux 2023, Amazon Linux 2, Ubuntu 22.04, RHEL and Fedora" ;;
  esac
  python3 -c 'import bcc' || fail "BCC was installed but python3 cannot import bcc"
}

imds_get() {
  # IMDSv2 only: this tool must not be one more IMDSv1 caller.
  local token
  token=$(curl -sS --fail -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -sS --fail -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

installed_source=$(cat "$install_dir/.imdsv2-call-tracer-source" 2>/dev/null || true)
if [ "$installed_source" = "$source_id" ] && systemctl is-active --quiet "$service"; then
  echo "Imdsv2CallTracer: $source_id is installed and $service is active"
  exit 0
fi

install_bcc
instance_id=$(imds_get instance-id)

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
case "$archive_name" in
  "")
    cp -a "$download_dir/." "$staging/" ;;
  *.zip)
    python3 -m zipfile -e "$download_dir/$archive_name" "$staging" ;;
  *.tar.gz|*.tgz|*.tar|*.gz)
    # (a .tar.gz file asset is uploaded as <hash>.gz)
    tar -xf "$download_dir/$archive_name" -C "$staging" ;;
  *)
    fail "the source $archive_name is not a .zip, .tar.gz, .tgz or .tar archive" ;;
esac
activate=$(find "$staging" -maxdepth 3 -name activate-tracer-service.sh -print -quit)
[ -n "$activate" ] || fail "no activate-tracer-service.sh in $source_id: expected a checkout of aws-imds-packet-analyzer"
checkout=$(dirname "$activate")
[ -f "$checkout/src/imds_snoop.py" ] || fail "no src/imds_snoop.py in $source_id: expected a checkout of aws-imds-packet-analyzer"

if systemctl is-active --quiet "$service"; then
  systemctl stop "$service"
fi
rm -rf "$install_dir"
mkdir -p "$(dirname "$install_dir")"
mv "$checkout" "$install_dir"

# The analyzer reads ./logging.conf when it has one: its documented format, plus the
# instance id as a field for the metric filter's dimension.
cat > "$install_dir/logging.conf" <<EOF
[loggers]
keys=root

[handlers]
keys=logfile

[formatters]
keys=logfileformatter

[logger_root]
level=INFO
handlers=logfile

[formatter_logfileformatter]
format=${LOG_FORMAT.replace('INSTANCE_ID', '$instance_id')}
datefmt=${LOG_DATE_FORMAT}

[handler_logfile]
class=handlers.RotatingFileHandler
level=INFO
args=('$log_file','a',1048576,5,'UTF-8')
formatter=logfileformatter
EOF

# Only lines written from now on prove that this installation traces.
if [ -f "$log_file" ]; then lines_before=$(wc -l < "$log_file"); else lines_before=0; fi
(cd "$install_dir" && bash ./activate-tracer-service.sh)
echo "$source_id" > "$install_dir/.imdsv2-call-tracer-source"

# Prove it traces: make IMDSv2 calls until one is logged with this instance's id.
for _ in $(seq 1 24); do
  imds_get instance-id >/dev/null
  tagged=$(tail -n "+$((lines_before + 1))" "$log_file" 2>/dev/null | grep -c -F "] [$instance_id] " || true)
  if [ "\${tagged:-0}" -gt 0 ]; then
    echo "Imdsv2CallTracer: $service is active and logging to $log_file"
    exit 0
  fi
  sleep 5
done
systemctl status --no-pager -l "$service" || true
fail "$service logged no call to $log_file within 2 minutes"
`;
}

/** Point the CloudWatch agent at the trace log, next to whatever else it is configured with. */
export function agentScript(parameterName: string): string {
  return `#!/bin/bash
# Imdsv2CallTracer: add the trace log to the CloudWatch agent's configuration.
# append-config, not fetch-config: fetch-config would drop every other configuration the
# agent already runs with on this instance.
set -euo pipefail
ctl=${AGENT_CTL}
[ -x "$ctl" ] || { echo "Imdsv2CallTracer: the CloudWatch agent is not installed ($ctl)" >&2; exit 1; }
"$ctl" -a append-config -m ec2 -c ${quoted(`ssm:${parameterName}`)} -s
`;
}

/** Stop and remove the service (the analyzer's deactivate-tracer-service.sh), the checkout and the agent configuration. */
export function removeScript(parameterName: string): string {
  return `#!/bin/bash
# Imdsv2CallTracer: stop and remove imds_tracer_tool.service with the analyzer's own
# deactivate-tracer-service.sh, then the checkout and the agent configuration. The trace
# logs in /var/log/imds are kept.
set -euo pipefail
install_dir=${INSTALL_DIR}
ctl=${AGENT_CTL}
if [ -f "$install_dir/deactivate-tracer-service.sh" ]; then
  (cd "$install_dir" && bash ./deactivate-tracer-service.sh)
  rm -rf "$install_dir"
else
  echo "Imdsv2CallTracer: no tracer installed in $install_dir"
fi
if [ -x "$ctl" ]; then
  "$ctl" -a remove-config -m ec2 -c ${quoted(`ssm:${parameterName}`)} -s
fi
`;
}

/** The refusal on Windows (aws:runPowerShellScript): the analyzer is Linux only. */
export const WINDOWS_REFUSAL = 'Write-Error "Imdsv2CallTracer: aws-imds-packet-analyzer does not support Windows (it needs eBPF/BCC on Linux)"; exit 1';

/** The refusal on macOS (aws:runShellScript): the analyzer is Linux only. */
export const MACOS_REFUSAL = 'echo "Imdsv2CallTracer: aws-imds-packet-analyzer does not support macOS (it needs eBPF/BCC on Linux)" >&2; exit 1';
