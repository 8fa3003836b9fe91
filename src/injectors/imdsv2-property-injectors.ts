import { IPropertyInjector, PropertyInjectors } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Imdsv2AutoScalingGroupPropertyInjector } from './imdsv2-auto-scaling-group-property-injector';
import { Imdsv2InstancePropertyInjector } from './imdsv2-instance-property-injector';
import { Imdsv2LaunchTemplatePropertyInjector } from './imdsv2-launch-template-property-injector';
import { Imdsv2PropertyInjectorProps } from './imdsv2-property-injector-props';

/**
 * The IMDSv2 property injectors as one bundle: every `ec2.Instance`, `ec2.LaunchTemplate`,
 * `autoscaling.AutoScalingGroup` and `ec2.BastionHostLinux` created below a scope
 * afterwards requires IMDSv2 tokens, including those made by code that never imports this
 * library (`cluster.addCapacity`, `cluster.addAutoScalingGroupCapacity`, other libraries).
 *
 * Injectors act when a construct is created: register them before the stacks are built.
 * Registering replaces any injector for the same class already on that scope; a scope
 * further down can register its own to override them.
 *
 * @example
 * import { Imdsv2PropertyInjectors } from 'cdk-imdsv2';
 *
 * const app = new App();
 * Imdsv2PropertyInjectors.applyTo(app);
 * // ... then create the stacks
 */
export class Imdsv2PropertyInjectors {
  /**
   * Register the bundle on `scope`.
   *
   * @param scope the app, a stage, a stack or any construct: the injectors apply to what is created below it
   * @param props the hop limit for constructs that set none
   */
  public static applyTo(scope: IConstruct, props: Imdsv2PropertyInjectorProps = {}): void {
    PropertyInjectors.of(scope).add(...Imdsv2PropertyInjectors.injectors(props));
  }

  /**
   * The injectors of the bundle, to register yourself.
   *
   * @param props the hop limit for constructs that set none
   */
  public static injectors(props: Imdsv2PropertyInjectorProps = {}): IPropertyInjector[] {
    return [
      new Imdsv2InstancePropertyInjector(props),
      new Imdsv2LaunchTemplatePropertyInjector(props),
      new Imdsv2AutoScalingGroupPropertyInjector(),
    ];
  }

  private constructor() {}
}
