import { ResourceImpact, fullDiff } from '@aws-cdk/cloudformation-diff';
import { App, CfnParameter, IPropertyInjector, InjectionContext, PropertyInjectors, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { acknowledgedOn } from './acknowledged';
import { Imdsv2Instance, Imdsv2InstanceProps } from '../../src/ec2';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function stackWithVpc(app = new App()): { stack: Stack; vpc: ec2.IVpc } {
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  return { stack, vpc };
}

function baseProps(vpc: ec2.IVpc): ec2.InstanceProps {
  return {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' }),
  };
}

function instanceTemplate(extra: Partial<Imdsv2InstanceProps> = {}): Template {
  const { stack, vpc } = stackWithVpc();
  new Imdsv2Instance(stack, 'Web', { ...baseProps(vpc), ...extra });
  return Template.fromStack(stack);
}

describe('Imdsv2Instance', () => {
  test('requires tokens with hop limit 1 through the instance\'s own MetadataOptions', () => {
    // GIVEN / WHEN
    const template = instanceTemplate();

    // THEN
    template.hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: {
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 1,
        HttpEndpoint: Match.absent(),
        HttpProtocolIpv6: Match.absent(),
        InstanceMetadataTags: Match.absent(),
      },
      LaunchTemplate: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
  });

  test('containerImdsAccess gives hop limit 2', () => {
    const template = instanceTemplate({ containerImdsAccess: true });
    template.hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
    });
  });

  test('an explicit hop limit is kept (3 for overlay networks), with or without containerImdsAccess', () => {
    instanceTemplate({ httpPutResponseHopLimit: 3 }).hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 },
    });
    instanceTemplate({ containerImdsAccess: true, httpPutResponseHopLimit: 3 }).hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 },
    });
  });

  test('a hop limit from a parameter passes through unchecked', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const hops = new CfnParameter(stack, 'Hops', { type: 'Number' });

    // WHEN
    new Imdsv2Instance(stack, 'Web', { ...baseProps(vpc), httpPutResponseHopLimit: hops.valueAsNumber });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { Ref: 'Hops' } },
    });
  });

  test('httpEndpoint: false (no IMDS at all) is allowed and kept', () => {
    instanceTemplate({ httpEndpoint: false }).hasResourceProperties('AWS::EC2::Instance', {
      MetadataOptions: { HttpEndpoint: 'disabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
    });
  });

  test('the other metadata options are kept', () => {
    instanceTemplate({ instanceMetadataTags: true, httpProtocolIpv6: false, httpTokens: ec2.HttpTokens.REQUIRED })
      .hasResourceProperties('AWS::EC2::Instance', {
        MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled', HttpProtocolIpv6: 'disabled' },
      });
  });

  test('requireImdsv2: true is accepted, makes no launch template, and warns that one made by ec2.Instance goes away', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    // WHEN
    new Imdsv2Instance(stack, 'Web', { ...baseProps(vpc), requireImdsv2: true });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    template.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required' }, LaunchTemplate: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/Stack/Web', Match.stringLikeRegexp('requireImdsv2 is true: .* no launch template is attached.* replaced on deploy'));
  });

  test.each([
    ['containerImdsAccess', { containerImdsAccess: true }, 'hop limit chosen in code: Imdsv2Instance containerImdsAccess: true (hop limit 2)'],
    ['an explicit hop limit', { httpPutResponseHopLimit: 3 }, 'hop limit chosen in code: Imdsv2Instance httpPutResponseHopLimit 3'],
  ] as Array<[string, Partial<Imdsv2InstanceProps>, string]>)('%s is recorded as an Imdsv2-HopLimit acknowledgement on the construct', (_name, extra, reason) => {
    const { stack, vpc } = stackWithVpc();
    const instance = new Imdsv2Instance(stack, 'Web', { ...baseProps(vpc), ...extra });
    expect(Object.values(acknowledgedOn(instance))).toEqual([reason]);
    expect(Object.keys(acknowledgedOn(instance))[0]).toMatch(/Imdsv2-HopLimit$/);
  });

  test('the default hop limit (or an explicit 1) acknowledges nothing', () => {
    const { stack, vpc } = stackWithVpc();
    expect(acknowledgedOn(new Imdsv2Instance(stack, 'A', baseProps(vpc)))).toEqual({});
    expect(acknowledgedOn(new Imdsv2Instance(stack, 'B', { ...baseProps(vpc), httpPutResponseHopLimit: 1 }))).toEqual({});
  });

  describe('refuses what would re-open IMDSv1 or replace the instance', () => {
    test.each([
      [{ httpTokens: ec2.HttpTokens.OPTIONAL }, 'Stack/Web: httpTokens is "optional", expected "required" or unset: any other value lets IMDSv1 answer requests without a token'],
      [{ requireImdsv2: false }, /^Stack\/Web: requireImdsv2 is false, expected true or unset: Imdsv2Instance always requires IMDSv2 tokens/],
      [{ httpPutResponseHopLimit: 0 }, 'Stack/Web: httpPutResponseHopLimit must be an integer from 1 to 64, got 0'],
      [{ httpPutResponseHopLimit: 65 }, 'Stack/Web: httpPutResponseHopLimit must be an integer from 1 to 64, got 65'],
      [{ httpPutResponseHopLimit: 1.5 }, 'Stack/Web: httpPutResponseHopLimit must be an integer from 1 to 64, got 1.5'],
      [{ containerImdsAccess: true, httpPutResponseHopLimit: 1 }, /^Stack\/Web: httpPutResponseHopLimit is 1 but containerImdsAccess is true, expected 2 or more/],
    ] as Array<[Partial<Imdsv2InstanceProps>, string | RegExp]>)('%j', (extra, message) => {
      // GIVEN
      const { stack, vpc } = stackWithVpc();

      // WHEN / THEN
      expect(() => new Imdsv2Instance(stack, 'Web', { ...baseProps(vpc), ...extra })).toThrow(message);
    });
  });

  test('refuses a property injector for ec2.Instance that re-opens IMDSv1', () => {
    // GIVEN
    class Reopen implements IPropertyInjector {
      public readonly constructUniqueId = ec2.Instance.PROPERTY_INJECTION_ID;
      public inject(props: any, _context: InjectionContext): any {
        return { ...props, httpTokens: ec2.HttpTokens.OPTIONAL };
      }
    }
    const app = new App();
    PropertyInjectors.of(app).add(new Reopen());
    const { stack, vpc } = stackWithVpc(app);

    // WHEN / THEN
    expect(() => new Imdsv2Instance(stack, 'Web', baseProps(vpc))).toThrow(
      'Stack/Web: httpTokens is "optional" after property injection, expected "required": a property injector for ec2.Instance changed it');
  });

  test('switching an existing ec2.Instance to Imdsv2Instance updates it in place: no replacement, no new resource', () => {
    // GIVEN: the same instance written with aws-cdk-lib, then with this library
    const build = (make: (s: Stack, vpc: ec2.IVpc) => void) => {
      const { stack, vpc } = stackWithVpc();
      make(stack, vpc);
      return Template.fromStack(stack).toJSON();
    };
    const before = build((s, vpc) => new ec2.Instance(s, 'Web', baseProps(vpc)));
    const after = build((s, vpc) => new Imdsv2Instance(s, 'Web', baseProps(vpc)));

    // WHEN
    const diff = fullDiff(before, after);

    // THEN
    const changes: Array<[string, ResourceImpact]> = [];
    diff.resources.forEachDifference((id, change) => changes.push([id, change.changeImpact]));
    expect(changes).toEqual([[expect.stringMatching(/^Web/), ResourceImpact.WILL_UPDATE]]);
    const [id] = changes[0];
    expect(Object.keys(diff.resources.get(id).propertyUpdates)).toEqual(['MetadataOptions']);
  });
});
