import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { referencedResources } from '../../src/private/render-resource';

describe('referencedResources', () => {
  function build() {
    const app = new App();
    const a = new Stack(app, 'A');
    const ltA = new ec2.CfnLaunchTemplate(a, 'Lt', { launchTemplateData: {} });
    const b = new Stack(app, 'B');
    const ltB = new ec2.CfnLaunchTemplate(b, 'Lt', { launchTemplateData: {} });
    let desired = '1';
    const asg = new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
      minSize: '1',
      maxSize: '5',
      availabilityZones: ['a'],
      desiredCapacity: Lazy.string({ produce: () => desired }),
      launchTemplate: { launchTemplateId: ltA.ref, version: ltA.attrLatestVersionNumber },
    });
    return { a, b, ltA, ltB, asg, setDesired: (v: string) => { desired = v; } };
  }

  test('GIVEN an ASG in stack B on stack A\'s Lt, with an Lt of the same id in B THEN it names A\'s Lt, once', () => {
    // GIVEN
    const { ltA, asg } = build();

    // WHEN
    const found = referencedResources(asg);

    // THEN
    expect(found).toEqual([ltA]);
  });

  test('GIVEN a cached Lazy in the properties WHEN they are read before synthesis THEN synthesis still produces its later value', () => {
    // GIVEN
    const { b, asg, setDesired } = build();

    // WHEN
    referencedResources(asg);
    setDesired('3');

    // THEN
    Template.fromStack(b).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { DesiredCapacity: '3' });
  });
});
