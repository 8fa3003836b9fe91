import * as path from 'path';

/** The repository root (bench/ is one below it, where run.ts and cli.ts run from). */
export const ROOT = path.resolve(__dirname, '..');
/** The corpus of public AWS sample templates beside the repository (absent on a user's clone). */
export const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus', 'aws-cloudformation-templates');
const GUARD_PACKAGE = path.join(ROOT, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
/** The cfn-guard binary @cdklabs/cdk-validator-cfnguard ships. */
export const GUARD_BIN = path.join(GUARD_PACKAGE, 'bin', 'ubuntu', 'x86_64', 'cfn-guard');
/** AWS Control Tower's guard rules for IMDSv2 (CT.EC2.PR.1 and CT.AUTOSCALING.PR.2), as that package ships them. */
export const GUARD_RULES = [
  'rules/control-tower/cfn-guard/ec2/ct-ec2-pr-1.guard',
  'rules/control-tower/cfn-guard/ec2autoscaling/ct-autoscaling-pr-2.guard',
].map((r) => path.join(GUARD_PACKAGE, r));
