import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTracerRolloutApp } from '../../examples/tracer-rollout';

// examples/tracer-rollout.ts: a legacy fleet, tagged for Imdsv2CallTracer, in REPORT mode.
describe('the tracer rollout example', () => {
  // A stand-in for a checkout: the asset only needs a directory to zip.
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-imds-packet-analyzer-'));
  fs.mkdirSync(path.join(checkout, 'src'));
  for (const file of ['activate-tracer-service.sh', 'deactivate-tracer-service.sh', 'src/imds_snoop.py']) {
    fs.writeFileSync(path.join(checkout, file), '');
  }
  const assembly = buildTracerRolloutApp(checkout, fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-rollout-'))).synth();
  const template = assembly.getStackByName('TracerRollout').template;
  const resources = Object.values(template.Resources as Record<string, any>);
  const ofType = (type: string) => resources.filter(r => r.Type === type);

  test('synthesizes the tracer: two documents, an association on the tag the fleet carries, the query', () => {
    expect(ofType('AWS::SSM::Document')).toHaveLength(2);
    expect(ofType('AWS::SSM::Association').map(a => a.Properties.Targets)).toEqual([[{ Key: 'tag:imdsv2-trace', Values: ['true'] }]]);
    const group = ofType('AWS::AutoScaling::AutoScalingGroup')[0];
    expect(group.Properties.Tags).toContainEqual({ Key: 'imdsv2-trace', Value: 'true', PropagateAtLaunch: true });
    expect(ofType('AWS::Logs::QueryDefinition')).toHaveLength(1);
  });

  test('the fleet role gets the tracer\'s grants; REPORT mode leaves the launch configuration as it was', () => {
    const actions = ofType('AWS::IAM::Policy').flatMap(p => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:ListBucket', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']));
    // The group launches from a launch configuration (aws-cdk-lib's default without feature flags).
    const configurations = ofType('AWS::AutoScaling::LaunchConfiguration');
    expect(configurations).toHaveLength(1);
    expect(configurations[0].Properties.MetadataOptions?.HttpTokens).not.toBe('required');
  });

  test('the dashboard shows the tracer', () => {
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0].Properties.DashboardBody);
    expect(body).toContain('IMDSv1 callers by process and parent chain');
  });
});
