import { IPropertyInjector, InjectionContext } from 'aws-cdk-lib';
import { LaunchTemplate, LaunchTemplateHttpTokens } from 'aws-cdk-lib/aws-ec2';
import { Imdsv2PropertyInjectorProps } from './imdsv2-property-injector-props';
import { injectorHopLimit } from '../ec2/metadata-options';

/**
 * A property injector that makes every `ec2.LaunchTemplate` in a scope require IMDSv2 tokens.
 *
 * It injects `httpTokens: LaunchTemplateHttpTokens.REQUIRED` and, when the props set
 * none, the hop limit; `httpEndpoint: false` is kept. It also covers the launch template
 * an `autoscaling.AutoScalingGroup` makes from `instanceType` and `machineImage` when the
 * `@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig` feature flag is on.
 *
 * Changing an existing template makes a new version: an `AWS::EC2::Instance` or
 * `AWS::EC2::EC2Fleet` that follows its latest version is replaced on deploy.
 *
 * @example
 * import { PropertyInjectors } from 'aws-cdk-lib';
 * import { Imdsv2LaunchTemplatePropertyInjector } from 'cdk-imdsv2';
 *
 * declare const app: App;
 *
 * PropertyInjectors.of(app).add(new Imdsv2LaunchTemplatePropertyInjector());
 */
export class Imdsv2LaunchTemplatePropertyInjector implements IPropertyInjector {
  /** The unique id of `ec2.LaunchTemplate`. */
  public readonly constructUniqueId: string;
  private readonly hopLimit: number;

  /**
   * @param props the hop limit to inject where the props set none
   */
  constructor(props: Imdsv2PropertyInjectorProps = {}) {
    this.constructUniqueId = LaunchTemplate.PROPERTY_INJECTION_ID;
    this.hopLimit = injectorHopLimit(props.httpPutResponseHopLimit, props.hopLimit);
  }

  /**
   * Return the props of an `ec2.LaunchTemplate` with tokens required.
   *
   * @param originalProps the props the `ec2.LaunchTemplate` was created with
   * @param context where the construct is created (scope and id)
   */
  public inject(originalProps: any, context: InjectionContext): any {
    void context;
    return {
      ...originalProps,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: originalProps?.httpPutResponseHopLimit ?? this.hopLimit,
    };
  }
}
