#!/usr/bin/env bash
# Runs the jest suite against the newest aws-cdk-lib and cdk-nag the registry serves,
# without touching package.json or the lock file: the lock file pins aws-cdk-lib to our
# declared minimum (2.257.0), and users on ^2.257.0 get whatever is newest.
#
# The newest versions are installed into a scratch directory (.tmp/newest-cdk, git-ignored)
# and test/newest-cdk.jest.config.js maps every import of aws-cdk-lib, cdk-nag and
# constructs there, so our code, cdk-nag and cdk-validator-cfnguard share one aws-cdk-lib.
#
# Usage: build-tools/test-newest-cdk.sh [jest args…]
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

SCRATCH=.tmp/newest-cdk
mkdir -p "$SCRATCH"
if [ ! -f "$SCRATCH/package.json" ]; then
  echo '{ "name": "newest-cdk-scratch", "private": true }' > "$SCRATCH/package.json"
fi
# `@latest` every time: the point is to catch what the newest release breaks.
npm install --prefix "$SCRATCH" --no-audit --no-fund --silent \
  aws-cdk-lib@latest cdk-nag@latest 'constructs@^10'
node -e 'for (const m of ["aws-cdk-lib", "cdk-nag", "constructs"]) console.log(`${m} ${require(`./${process.argv[1]}/node_modules/${m}/package.json`).version}`)' "$SCRATCH"

# aws-cdk-lib >= 2.262 validates every synthesized template against the CloudFormation
# schemas: about a second per test file and a console warning per hard-coded AMI, which
# made this run 1.7x the main one. Off here; test/cdk-version.test.ts turns it back on to
# check that what the aspect writes adds no finding of it.
export CDK_VALIDATION=false

# The version checks in test/ read this to know which aws-cdk-lib they must see.
export CDK_IMDSV2_EXPECT_NEWEST_CDK="$SCRATCH"
npx jest --config test/newest-cdk.jest.config.js "$@"
