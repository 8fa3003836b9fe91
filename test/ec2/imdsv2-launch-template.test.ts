import { App, CfnParameter, IPropertyInjector, InjectionContext, PropertyInjectors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { acknowledgedOn } from './acknowledged';
import { Imdsv2LaunchTemplate, Imdsv2LaunchTemplateProps } from '../../src/ec2';

function template(props?: Imdsv2LaunchTemplateProps): Template {
  const stack = new Stack(new App(), 'Stack');
  new Imdsv2LaunchTemplate(stack, 'Lt', props);
  return Template.fromStack(stack);
}

describe('Imdsv2LaunchTemplate', () => {
  test('requires tokens with hop limit 1 when given no props', () => {
    // GIVEN / WHEN
    const t = template();

    // THEN
    t.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 1,
          HttpEndpoint: Match.absent(),
          InstanceMetadataTags: Match.absent(),
        },
      },
    });
  });

  test('containerImdsAccess gives hop limit 2', () => {
    template({ containerImdsAccess: true }).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
    });
  });

  test('an explicit hop limit is kept', () => {
    template({ httpPutResponseHopLimit: 3, containerImdsAccess: true }).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 } },
    });
  });

  test('a hop limit from a parameter passes through', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');
    const hops = new CfnParameter(stack, 'Hops', { type: 'Number' });

    // WHEN
    new Imdsv2LaunchTemplate(stack, 'Lt', { httpPutResponseHopLimit: hops.valueAsNumber });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { Ref: 'Hops' } } },
    });
  });

  test('httpEndpoint: false and the other options are kept, with the rest of the template', () => {
    template({
      httpEndpoint: false,
      instanceMetadataTags: true,
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      instanceType: new ec2.InstanceType('t3.micro'),
    }).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        InstanceType: 't3.micro',
        MetadataOptions: { HttpEndpoint: 'disabled', InstanceMetadataTags: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      },
    });
  });

  test('a hop limit chosen in code is recorded as an Imdsv2-HopLimit acknowledgement; the default is not', () => {
    const stack = new Stack(new App(), 'Stack');
    expect(Object.values(acknowledgedOn(new Imdsv2LaunchTemplate(stack, 'A', { containerImdsAccess: true }))))
      .toEqual(['hop limit chosen in code: Imdsv2LaunchTemplate containerImdsAccess: true (hop limit 2)']);
    expect(acknowledgedOn(new Imdsv2LaunchTemplate(stack, 'B'))).toEqual({});
  });

  test.each([
    [{ httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL }, 'Stack/Lt: httpTokens is "optional", expected "required" or unset: any other value lets IMDSv1 answer requests without a token'],
    [{ httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL, requireImdsv2: true }, 'Stack/Lt: httpTokens is "optional", expected "required" or unset'],
    [{ httpPutResponseHopLimit: 0 }, 'Stack/Lt: httpPutResponseHopLimit must be an integer from 1 to 64, got 0'],
    [{ httpPutResponseHopLimit: 100 }, 'Stack/Lt: httpPutResponseHopLimit must be an integer from 1 to 64, got 100'],
    [{ containerImdsAccess: true, httpPutResponseHopLimit: 1 }, /^Stack\/Lt: httpPutResponseHopLimit is 1 but containerImdsAccess is true, expected 2 or more/],
  ] as Array<[Imdsv2LaunchTemplateProps, string | RegExp]>)('refuses %j', (props, message) => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');

    // WHEN / THEN
    expect(() => new Imdsv2LaunchTemplate(stack, 'Lt', props)).toThrow(message);
  });

  test('refuses a property injector for ec2.LaunchTemplate that re-opens IMDSv1', () => {
    // GIVEN
    class Reopen implements IPropertyInjector {
      public readonly constructUniqueId = ec2.LaunchTemplate.PROPERTY_INJECTION_ID;
      public inject(props: any, _context: InjectionContext): any {
        return { ...props, httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL };
      }
    }
    const app = new App();
    PropertyInjectors.of(app).add(new Reopen());
    const stack = new Stack(app, 'Stack');

    // WHEN / THEN
    expect(() => new Imdsv2LaunchTemplate(stack, 'Lt')).toThrow(
      'Stack/Lt: httpTokens is "optional" after property injection, expected "required": a property injector for ec2.LaunchTemplate changed it');
  });
});
