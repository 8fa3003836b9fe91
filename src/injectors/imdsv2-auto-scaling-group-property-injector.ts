import { IPropertyInjector, InjectionContext } from 'aws-cdk-lib';
import { AutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';

/**
 * A property injector that makes every `autoscaling.AutoScalingGroup` built from
 * `instanceType` and `machineImage` require IMDSv2 tokens.
 *
 * `AutoScalingGroupProps` has no metadata options, so it injects `requireImdsv2: true`:
 * aws-cdk-lib then closes the group's launch template or launch configuration with an
 * aspect, at synthesis. When the `@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig`
 * feature flag is on, `Imdsv2LaunchTemplatePropertyInjector` has already closed that
 * launch template at construction. A group given `launchTemplate` or `mixedInstancesPolicy`
 * is left as it is (aws-cdk-lib refuses `requireImdsv2` there): its templates are
 * `ec2.LaunchTemplate`s that the launch template injector covers, or imported ones.
 *
 * This also covers the groups that ECS `cluster.addCapacity` and EKS
 * `cluster.addAutoScalingGroupCapacity` make.
 *
 * @example
 * import { PropertyInjectors } from 'aws-cdk-lib';
 * import { Imdsv2AutoScalingGroupPropertyInjector } from 'cdk-imdsv2';
 *
 * declare const app: App;
 *
 * PropertyInjectors.of(app).add(new Imdsv2AutoScalingGroupPropertyInjector());
 */
export class Imdsv2AutoScalingGroupPropertyInjector implements IPropertyInjector {
  /** The unique id of `autoscaling.AutoScalingGroup`. */
  public readonly constructUniqueId: string;

  constructor() {
    this.constructUniqueId = AutoScalingGroup.PROPERTY_INJECTION_ID;
  }

  /**
   * Return the props of an `autoscaling.AutoScalingGroup` with `requireImdsv2: true` when it makes its own launch settings.
   *
   * @param originalProps the props the `autoscaling.AutoScalingGroup` was created with
   * @param context where the construct is created (scope and id)
   */
  public inject(originalProps: any, context: InjectionContext): any {
    void context;
    if (originalProps?.launchTemplate !== undefined || originalProps?.mixedInstancesPolicy !== undefined) return originalProps;
    return { ...originalProps, requireImdsv2: true };
  }
}
