import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnParameter, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { TestType, appWith, ENV, validate, validateStack, violations } from './utils';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../../src';
import * as engine from '../../src/engine/analyze';
import { Imdsv2Checks } from '../../src/nag/imdsv2-checks';
import { pluginReport } from '../validation-report';

const AMI = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });
const T3 = new ec2.InstanceType('t3.micro');
const R = Imdsv2RuleId;

const lt = (s: Stack, id: string, metadataOptions: ec2.CfnLaunchTemplate.MetadataOptionsProperty | undefined, userData?: string) =>
  new ec2.CfnLaunchTemplate(s, id, { launchTemplateData: { metadataOptions, userData } });
const group = (s: Stack, id: string, properties: Record<string, unknown>) =>
  new CfnResource(s, id, { type: 'AWS::AutoScaling::AutoScalingGroup', properties: { MinSize: '1', MaxSize: '1', ...properties } });
const spec = (t: ec2.CfnLaunchTemplate, version: unknown = t.attrLatestVersionNumber) => ({ LaunchTemplateId: t.ref, Version: version });
const vpcOf = (s: Stack) => new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });

describe('Imdsv2-TokensRequired', () => {
  test('GIVEN a launch template that requires tokens and a group on it THEN compliant', () => {
    validateStack((s) => group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'required' })) }), R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN a standalone launch template with HttpTokens unset THEN non-compliant (cdk-nag checks no launch template on its own)', () => {
    expect(validateStack((s) => lt(s, 'Lt', undefined), R.TOKENS_REQUIRED, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-TokensRequired Stack/Lt']);
  });

  test('GIVEN HttpEndpoint disabled THEN compliant (no IMDS at all)', () => {
    validateStack((s) => lt(s, 'Lt', { httpEndpoint: 'disabled' }), R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN HttpTokens from a parameter (a token) THEN not TokensRequired: it cannot be decided (Imdsv2-Unverifiable)', () => {
    const build = (s: Stack) => lt(s, 'Lt', { httpTokens: new CfnParameter(s, 'Tokens').valueAsString });
    validateStack(build, R.TOKENS_REQUIRED, TestType.COMPLIANT);
    validateStack(build, R.UNVERIFIABLE, TestType.NON_COMPLIANT);
  });

  test('GIVEN a group whose MixedInstancesPolicy launches a compliant template THEN compliant (no false alarm)', () => {
    validateStack((s) => group(s, 'Asg', {
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: spec(lt(s, 'Lt', { httpTokens: 'required' })), Overrides: [{ InstanceType: 't3.micro' }] } },
    }), R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN a group whose MixedInstancesPolicy launches an open template THEN the template is reported', () => {
    expect(validateStack((s) => group(s, 'Asg', {
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: spec(lt(s, 'Lt', { httpTokens: 'optional' })) } },
    }), R.TOKENS_REQUIRED, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-TokensRequired Stack/Lt']);
  });

  test('GIVEN a property override that closes a raw template THEN compliant; one that opens an L2 template THEN non-compliant', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'optional' }).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'required'),
      R.TOKENS_REQUIRED, TestType.COMPLIANT);
    validateStack((s) => {
      const l2 = new ec2.LaunchTemplate(s, 'Lt', { requireImdsv2: true, machineImage: AMI });
      (l2.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'optional');
    }, R.TOKENS_REQUIRED, TestType.NON_COMPLIANT);
  });

  test('GIVEN an L2 instance and an L2 Auto Scaling group THEN both are non-compliant; with requireImdsv2 THEN compliant', () => {
    expect(validateStack((s) => {
      const vpc = vpcOf(s);
      new ec2.Instance(s, 'I', { vpc, instanceType: T3, machineImage: AMI });
      new autoscaling.AutoScalingGroup(s, 'Asg', { vpc, instanceType: T3, machineImage: AMI });
    }, R.TOKENS_REQUIRED, TestType.NON_COMPLIANT)).toEqual([
      'Imdsv2-TokensRequired Stack/I/Resource',
      'Imdsv2-TokensRequired Stack/Asg/LaunchConfig',
    ]);
    validateStack((s) => {
      const vpc = vpcOf(s);
      new ec2.Instance(s, 'I', { vpc, instanceType: T3, machineImage: AMI, requireImdsv2: true });
      new autoscaling.AutoScalingGroup(s, 'Asg', { vpc, instanceType: T3, machineImage: AMI, requireImdsv2: true });
    }, R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN a Service Catalog product version from a template file asset with an open instance THEN the product is non-compliant; a clean file THEN compliant', () => {
    const productWith = (resources: Record<string, unknown>) => (s: Stack) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'product-'));
      fs.writeFileSync(path.join(dir, 'product.json'), JSON.stringify({ Resources: resources }));
      new servicecatalog.CloudFormationProduct(s, 'Product', {
        productName: 'web',
        owner: 'platform',
        productVersions: [{ productVersionName: 'v1', cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromAsset(path.join(dir, 'product.json')) }],
      });
    };
    const instance = (httpTokens: string) => ({ Web: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', MetadataOptions: { HttpTokens: httpTokens } } } });
    expect(validateStack(productWith(instance('optional')), R.TOKENS_REQUIRED, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-TokensRequired Stack/Product/Resource']);
    validateStack(productWith(instance('required')), R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN an EKS node group without a launch template THEN non-compliant; with one that requires tokens THEN compliant', () => {
    const nodegroup = (s: Stack, launchTemplate?: ec2.CfnLaunchTemplate) => new eks.CfnNodegroup(s, 'Ng', {
      clusterName: 'c',
      nodeRole: 'arn:aws:iam::111111111111:role/n',
      subnets: ['subnet-1'],
      launchTemplate: launchTemplate ? { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber } : undefined,
    });
    expect(validateStack((s) => nodegroup(s), R.TOKENS_REQUIRED, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-TokensRequired Stack/Ng']);
    validateStack((s) => nodegroup(s, lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 2 })), R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });

  test('GIVEN a launch template in another stack that requires tokens THEN its consumer is compliant (cross-stack)', () => {
    const app = new App();
    const shared = lt(new Stack(app, 'Shared', { env: ENV }), 'Lt', { httpTokens: 'required' });
    group(new Stack(app, 'Consumer', { env: ENV }), 'Asg', { LaunchTemplate: spec(shared) });
    expect(violations(validate(app))).toEqual([]);
  });

  test('GIVEN an open launch template in another stack that a group follows THEN the template is reported, the group is not Unverifiable', () => {
    // After synthesis the group reads Fn::ImportValue for both the id and the version.
    const app = new App();
    const shared = lt(new Stack(app, 'Shared', { env: ENV }), 'Lt', { httpTokens: 'optional' });
    group(new Stack(app, 'Consumer', { env: ENV }), 'Asg', { LaunchTemplate: spec(shared) });
    // …and the template's fix cannot be deployed: its LatestVersionNumber is an export in use.
    expect(violations(validate(app))).toEqual(['Imdsv2-TokensRequired Shared/Lt', 'Imdsv2-Replacement Shared/Lt']);
  });

  test('GIVEN Validations.acknowledge on the resource or a scope above it THEN not reported', () => {
    validateStack((s) => {
      Validations.of(lt(s, 'Lt', { httpTokens: 'optional' })).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'closed by an SCP' });
    }, R.TOKENS_REQUIRED, TestType.COMPLIANT);
    validateStack((s) => {
      lt(s, 'Lt', { httpTokens: 'optional' });
      Validations.of(s).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'whole stack' });
    }, R.TOKENS_REQUIRED, TestType.COMPLIANT);
  });
});

describe('Imdsv2-HopLimit', () => {
  test('GIVEN a plain host at hop 1 THEN compliant; at hop 3 THEN non-compliant', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 1 }), R.HOP_LIMIT, TestType.COMPLIANT);
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 3 }), R.HOP_LIMIT, TestType.NON_COMPLIANT);
  });

  test('GIVEN a node group launch template at hop 1 THEN non-compliant (containers need 2); at hop 2 THEN compliant', () => {
    const build = (hop: number) => (s: Stack) => {
      const t = lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: hop });
      new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'], launchTemplate: { id: t.ref, version: t.attrLatestVersionNumber } });
    };
    expect(validateStack(build(1), R.HOP_LIMIT, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-HopLimit Stack/Lt']);
    validateStack(build(2), R.HOP_LIMIT, TestType.COMPLIANT);
  });

  test('GIVEN a hop limit policy in the props THEN it decides', () => {
    const app = appWith((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 2 }));
    expect(violations(validate(app, R.HOP_LIMIT))).toEqual(['Imdsv2-HopLimit Stack/Lt']);
    expect(violations(validate(app, R.HOP_LIMIT, { hostHopLimit: 2 }))).toEqual([]);
  });

  test('GIVEN a plain host at hop 2 and the default props THEN an advisory warning, not an error (IMDSv1 is closed)', () => {
    const report = validate(appWith((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 2 })));
    expect(report.success).toBe(true);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['Imdsv2-HopLimit', 'warning']]);
    expect(report.violations[0].description).toMatch(/^AWS::EC2::LaunchTemplate: HttpPutResponseHopLimit is 2 .*advisory/);
    expect(report.violations[0].fix).toMatch(/hostHopLimit: 1/);
  });

  test('GIVEN a plain host at hop 5 THEN the fix is the container maximum (2) by default, and hostHopLimit when it is given', () => {
    const app = appWith((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 5 }));
    expect(validate(app, R.HOP_LIMIT).violations.map((v) => v.fix)).toEqual(['set HttpPutResponseHopLimit to 2']);
    expect(validate(app, R.HOP_LIMIT, { hostHopLimit: 1 }).violations.map((v) => v.fix)).toEqual(['set HttpPutResponseHopLimit to 1']);
  });

  test('GIVEN a property override of the hop limit THEN it is seen', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 3 }).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 1),
      R.HOP_LIMIT, TestType.COMPLIANT);
  });

  test('GIVEN the hop limit from a parameter (a token) THEN not HopLimit but Unverifiable', () => {
    const build = (s: Stack) => lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: new CfnParameter(s, 'Hop', { type: 'Number' }).valueAsNumber });
    validateStack(build, R.HOP_LIMIT, TestType.COMPLIANT);
    validateStack(build, R.UNVERIFIABLE, TestType.NON_COMPLIANT);
  });

  test('GIVEN a launch template at hop 1 in another stack that a node group uses THEN it is a container host: non-compliant (cross-stack)', () => {
    const app = new App();
    const shared = lt(new Stack(app, 'Shared', { env: ENV }), 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 1 });
    new eks.CfnNodegroup(new Stack(app, 'Cluster', { env: ENV }), 'Ng', {
      clusterName: 'c',
      nodeRole: 'arn:aws:iam::111111111111:role/n',
      subnets: ['subnet-1'],
      launchTemplate: { id: shared.ref, version: shared.attrLatestVersionNumber },
    });
    expect(violations(validate(app, R.HOP_LIMIT))).toEqual(['Imdsv2-HopLimit Shared/Lt']);
  });

  test('GIVEN an acknowledgement THEN not reported', () => {
    validateStack((s) => {
      Validations.of(lt(s, 'Lt', { httpTokens: 'required', httpPutResponseHopLimit: 3 })).acknowledge({ id: 'Imdsv2-HopLimit', reason: 'docker-in-docker' });
    }, R.HOP_LIMIT, TestType.COMPLIANT);
  });
});

describe('Imdsv2-Unverifiable', () => {
  test('GIVEN literal settings THEN compliant', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required' }), R.UNVERIFIABLE, TestType.COMPLIANT);
  });

  test('GIVEN HttpTokens from a parameter (a token) THEN non-compliant', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: new CfnParameter(s, 'Tokens').valueAsString }), R.UNVERIFIABLE, TestType.NON_COMPLIANT);
  });

  test('GIVEN a launch template imported by id THEN its consumer is Unverifiable, not a pass (cdk-nag calls it a pass or a fail)', () => {
    expect(validateStack((s) => {
      const imported = ec2.LaunchTemplate.fromLaunchTemplateAttributes(s, 'Imported', { launchTemplateId: 'lt-0123456789abcdef0' });
      group(s, 'Asg', { LaunchTemplate: { LaunchTemplateId: imported.launchTemplateId, Version: '$Latest' } });
    }, R.UNVERIFIABLE, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-Unverifiable Stack/Asg']);
  });

  test('GIVEN a launch template in a stack outside the app (imported by an export name) THEN Unverifiable', () => {
    validateStack((s) => group(s, 'Asg', { LaunchTemplate: { LaunchTemplateId: { 'Fn::ImportValue': 'network-lt-id' }, Version: '$Latest' } }),
      R.UNVERIFIABLE, TestType.NON_COMPLIANT);
  });

  test('GIVEN an override that writes the parameter literally THEN compliant', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: new CfnParameter(s, 'Tokens').valueAsString }).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'required'),
      R.UNVERIFIABLE, TestType.COMPLIANT);
  });

  test('GIVEN an acknowledgement THEN not reported', () => {
    validateStack((s) => {
      const imported = ec2.LaunchTemplate.fromLaunchTemplateAttributes(s, 'Imported', { launchTemplateId: 'lt-0123456789abcdef0' });
      Validations.of(group(s, 'Asg', { LaunchTemplate: { LaunchTemplateId: imported.launchTemplateId, Version: '$Latest' } }))
        .acknowledge({ id: 'Imdsv2-Unverifiable', reason: 'the platform template requires tokens' });
    }, R.UNVERIFIABLE, TestType.COMPLIANT);
  });
});

describe('Imdsv2-StaleVersion', () => {
  test('GIVEN a group that follows LatestVersionNumber THEN compliant; one that pins "1" of an open template THEN non-compliant', () => {
    validateStack((s) => group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'optional' })) }), R.STALE_VERSION, TestType.COMPLIANT);
    expect(validateStack((s) => group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'optional' }), '1') }), R.STALE_VERSION, TestType.NON_COMPLIANT))
      .toEqual(['Imdsv2-StaleVersion Stack/Asg']);
  });

  test('GIVEN a pin in another stack THEN non-compliant (cross-stack)', () => {
    const app = new App();
    const shared = lt(new Stack(app, 'Shared', { env: ENV }), 'Lt', { httpTokens: 'optional' });
    group(new Stack(app, 'Consumer', { env: ENV }), 'Asg', { LaunchTemplate: spec(shared, '1') });
    expect(violations(validate(app, R.STALE_VERSION))).toEqual(['Imdsv2-StaleVersion Consumer/Asg']);
  });

  test('GIVEN an override that moves the pin to the latest version THEN compliant', () => {
    validateStack((s) => {
      const t = lt(s, 'Lt', { httpTokens: 'optional' });
      group(s, 'Asg', { LaunchTemplate: spec(t, '1') }).addPropertyOverride('LaunchTemplate.Version', t.attrLatestVersionNumber);
    }, R.STALE_VERSION, TestType.COMPLIANT);
  });

  test('GIVEN the version from a parameter (a token) THEN not StaleVersion but Unverifiable', () => {
    const build = (s: Stack) => group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'optional' }), new CfnParameter(s, 'Version').valueAsString) });
    validateStack(build, R.STALE_VERSION, TestType.COMPLIANT);
    expect(validateStack(build, R.UNVERIFIABLE, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-Unverifiable Stack/Asg']);
  });

  test('GIVEN an acknowledgement THEN not reported', () => {
    validateStack((s) => {
      Validations.of(group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'optional' }), '1') })).acknowledge({ id: 'Imdsv2-StaleVersion', reason: 'moved by the pipeline' });
    }, R.STALE_VERSION, TestType.COMPLIANT);
  });
});

describe('Imdsv2-UserDataV1', () => {
  const V1 = 'curl -s http://169.254.169.254/latest/meta-data/instance-id';
  const V2 = 'TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")\ncurl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id';

  test('GIVEN L2 user data that sends a token THEN compliant; one that does not THEN non-compliant', () => {
    const instance = (commands: string) => (s: Stack) => {
      const userData = ec2.UserData.forLinux();
      userData.addCommands(...commands.split('\n'));
      new ec2.Instance(s, 'I', { vpc: vpcOf(s), instanceType: T3, machineImage: AMI, userData, requireImdsv2: true });
    };
    validateStack(instance(V2), R.USER_DATA_V1, TestType.COMPLIANT);
    expect(validateStack(instance(V1), R.USER_DATA_V1, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-UserDataV1 Stack/I/Resource']);
  });

  test('GIVEN cfn-init commands that call IMDS without a token THEN non-compliant', () => {
    validateStack((s) => new ec2.Instance(s, 'I', {
      vpc: vpcOf(s),
      instanceType: T3,
      machineImage: AMI,
      requireImdsv2: true,
      init: ec2.CloudFormationInit.fromElements(ec2.InitCommand.shellCommand(V1)),
    }), R.USER_DATA_V1, TestType.NON_COMPLIANT);
  });

  test('GIVEN user data set by a property override THEN it is seen', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required' }, Buffer.from('echo ok').toString('base64'))
      .addPropertyOverride('LaunchTemplateData.UserData', { 'Fn::Base64': V1 }), R.USER_DATA_V1, TestType.NON_COMPLIANT);
  });

  test('GIVEN user data from a parameter (a token) THEN compliant (nothing to read)', () => {
    validateStack((s) => lt(s, 'Lt', { httpTokens: 'required' }, new CfnParameter(s, 'UserData').valueAsString), R.USER_DATA_V1, TestType.COMPLIANT);
  });

  test('GIVEN an acknowledgement THEN not reported', () => {
    validateStack((s) => {
      Validations.of(lt(s, 'Lt', { httpTokens: 'required' }, Buffer.from(V1).toString('base64'))).acknowledge({ id: 'Imdsv2-UserDataV1', reason: 'retried with a token by the agent' });
    }, R.USER_DATA_V1, TestType.COMPLIANT);
  });
});

describe('Imdsv2-Replacement', () => {
  test('GIVEN an open template that an instance follows through LatestVersionNumber THEN non-compliant (fixing it replaces the instance)', () => {
    expect(validateStack((s) => {
      const t = lt(s, 'Lt', { httpTokens: 'optional' });
      new ec2.CfnInstance(s, 'I', { imageId: 'ami-1', launchTemplate: { launchTemplateId: t.ref, version: t.attrLatestVersionNumber }, metadataOptions: { httpTokens: 'required' } });
    }, R.REPLACEMENT, TestType.NON_COMPLIANT)).toEqual(['Imdsv2-Replacement Stack/Lt']);
  });

  test('GIVEN an open template that only a group follows THEN compliant (a group is refreshed, not replaced)', () => {
    validateStack((s) => group(s, 'Asg', { LaunchTemplate: spec(lt(s, 'Lt', { httpTokens: 'optional' })) }), R.REPLACEMENT, TestType.COMPLIANT);
  });

  test('GIVEN the instance in another stack THEN non-compliant all the same (cross-stack)', () => {
    const app = new App();
    const shared = lt(new Stack(app, 'Shared', { env: ENV }), 'Lt', { httpTokens: 'optional' });
    new ec2.CfnInstance(new Stack(app, 'Hosts', { env: ENV }), 'I', {
      imageId: 'ami-1', launchTemplate: { launchTemplateId: shared.ref, version: shared.attrLatestVersionNumber }, metadataOptions: { httpTokens: 'required' },
    });
    expect(violations(validate(app, R.REPLACEMENT))).toEqual(['Imdsv2-Replacement Shared/Lt']);
  });

  test('GIVEN an override that pins the instance to a version THEN the template can change: compliant', () => {
    validateStack((s) => {
      const t = lt(s, 'Lt', { httpTokens: 'optional' });
      new ec2.CfnInstance(s, 'I', { imageId: 'ami-1', launchTemplate: { launchTemplateId: t.ref, version: t.attrLatestVersionNumber }, metadataOptions: { httpTokens: 'required' } })
        .addPropertyOverride('LaunchTemplate.Version', '1');
    }, R.REPLACEMENT, TestType.COMPLIANT);
  });

  test('GIVEN the underlying finding acknowledged THEN no replacement is reported either', () => {
    validateStack((s) => {
      const ng = new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'] });
      Validations.of(ng).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'recreated next quarter' });
    }, R.REPLACEMENT, TestType.COMPLIANT);
  });
});

describe('Imdsv2Checks as a policy validation plugin', () => {
  test('GIVEN the pack added with Validations.of(app).addPlugins THEN synthesis reports its violations (no appConstruct needed)', () => {
    // GIVEN
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-nag-')), context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
    const stack = new Stack(app, 'Stack', { env: ENV });
    lt(stack, 'Lt', { httpTokens: 'optional' });
    Validations.of(app).addPlugins(new Imdsv2Checks(app));
    const console = jest.spyOn(global.console, 'error').mockImplementation(() => undefined);
    // WHEN
    const assembly = app.synth();
    console.mockRestore();
    // THEN
    const pack = pluginReport(assembly.directory, 'Imdsv2');
    expect(pack.status).toBe('failure');
    expect(pack.violations.map((v) => [v.ruleName, v.constructPath, v.locations])).toEqual([
      ['Imdsv2-TokensRequired', 'Stack/Lt', ['Properties/LaunchTemplateData/MetadataOptions/HttpTokens']],
    ]);
  });

  test('GIVEN a violation THEN its description names the resource type and the problem, its fix the remedy; verbose adds the explanation', () => {
    const app = appWith((s) => lt(s, 'Lt', { httpTokens: 'optional' }));
    const [terse] = validate(app).violations;
    expect(terse).toEqual(expect.objectContaining({
      ruleName: 'Imdsv2-TokensRequired',
      severity: 'error',
      description: "AWS::EC2::LaunchTemplate: HttpTokens is 'optional', so IMDSv1 is reachable",
      fix: "set HttpTokens to 'required' (other metadata options kept)",
    }));
    expect(validate(app, undefined, { verbose: true }).violations[0].description).toMatch(/reachable\. IMDSv1 answers any GET/);
  });

  test('GIVEN resources with the same problem THEN one violation lists them all, each with its locations; another wording gets its own', () => {
    // GIVEN
    const app = appWith((s) => {
      for (const id of ['A', 'B', 'C']) lt(s, id, { httpTokens: 'optional' });
      lt(s, 'D', { httpTokens: 'required', httpPutResponseHopLimit: 4 });
    });
    // WHEN
    const report = validate(app);
    // THEN
    expect(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)])).toEqual([
      ['Imdsv2-TokensRequired', ['Stack/A', 'Stack/B', 'Stack/C']],
      ['Imdsv2-HopLimit', ['Stack/D']],
    ]);
    expect(report.violations[0].violatingResources.map((r) => r.locations)).toEqual(
      [1, 2, 3].map(() => ['Properties/LaunchTemplateData/MetadataOptions/HttpTokens']));
  });

  test('GIVEN Imdsv2Aspect in REWRITE THEN the pack sees the fixed tree', () => {
    const app = appWith((s) => lt(s, 'Lt', { httpTokens: 'optional' }));
    Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });
    expect(violations(validate(app))).toEqual([]);
  });

  test('GIVEN many resources THEN the engine runs once per validation, not once per resource', () => {
    // GIVEN
    const app = appWith((s) => {
      for (let i = 0; i < 25; i++) group(s, `Asg${i}`, { LaunchTemplate: spec(lt(s, `Lt${i}`, { httpTokens: 'optional' })) });
    });
    const assembly = app.synth();
    const spy = jest.spyOn(engine, 'analyze');
    // WHEN
    const report = new Imdsv2Checks(app).validate({ templatePaths: assembly.stacksRecursively.map((t) => t.templateFullPath) });
    // THEN
    expect(spy).toHaveBeenCalledTimes(1);
    expect(violations(report)).toHaveLength(25);
    spy.mockRestore();
  });

  test.each([
    [{ hostHopLimit: 65 }, 'Imdsv2Checks: hostHopLimit must be an integer from 1 to 64, got 65'],
    [{ containerHopLimit: 0 }, 'Imdsv2Checks: containerHopLimit must be an integer from 1 to 64, got 0'],
    [{ rules: ['AwsSolutions-EC29' as Imdsv2RuleId] }, "Imdsv2Checks: unknown rule id 'AwsSolutions-EC29' in rules"],
    [{ rules: [] }, 'Imdsv2Checks: rules is empty, expected at least one of Imdsv2-TokensRequired'],
  ])('GIVEN props %j THEN the constructor throws naming the value', (props, message) => {
    expect(() => new Imdsv2Checks(new App(), props)).toThrow(message);
  });

  test.each([[undefined], [null], [{ node: 'not a construct' }]])('GIVEN no construct as scope (%p, from JavaScript) THEN the constructor throws saying what to pass', (scope) => {
    expect(() => new Imdsv2Checks(scope as any)).toThrow(/^Imdsv2Checks: scope must be the app \(or stage\) whose construct tree is checked, as in new Imdsv2Checks\(app\), got (undefined|null|object)$/);
  });

  test('GIVEN only some rules selected THEN only they are applied', () => {
    const app = appWith((s) => lt(s, 'Lt', { httpTokens: 'optional', httpPutResponseHopLimit: 4 }));
    expect(violations(validate(app))).toEqual(['Imdsv2-TokensRequired Stack/Lt', 'Imdsv2-HopLimit Stack/Lt']);
    expect(violations(validate(app, undefined, { rules: [R.HOP_LIMIT] }))).toEqual(['Imdsv2-HopLimit Stack/Lt']);
  });
});
