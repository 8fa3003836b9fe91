import * as path from 'path';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';

/** A product stack as a platform team writes one: a web server from the L2, IMDSv1 open as written. */
class WebServerProduct extends servicecatalog.ProductStack {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new ec2.Instance(this, 'WebServer', {
      vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] }),
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
  }
}

/**
 * A Service Catalog portfolio stack: version v1 built from a ProductStack (which the aspect
 * rewrites), version v0 from a template file shipped as a file asset (which nothing in the
 * app can rewrite: the aspect and Imdsv2Checks report what is in it, the validator and
 * `cdk-imdsv2 scan cdk.out` scan the staged copy).
 */
export class PortfolioStack extends Stack {
  public constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new servicecatalog.CloudFormationProduct(this, 'WebProduct', {
      productName: 'web-server',
      owner: 'platform',
      productVersions: [
        { productVersionName: 'v0', cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromAsset(path.join(__dirname, 'legacy-fleet.json')) },
        { productVersionName: 'v1', cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(new WebServerProduct(this, 'WebServer')) },
      ],
    });
  }
}

/** The Service Catalog example app: no AWS account needed to synthesize it. */
export function buildServiceCatalogApp(outdir?: string): App {
  const app = new App({ outdir });
  new PortfolioStack(app, 'PortfolioStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  return app;
}
