import { IPropertyInjector, InjectionContext } from 'aws-cdk-lib';
import { HttpTokens, Instance } from 'aws-cdk-lib/aws-ec2';
import { Imdsv2PropertyInjectorProps } from './imdsv2-property-injector-props';
import { injectorHopLimit } from '../ec2/metadata-options';

/**
 * A property injector that makes every `ec2.Instance` in a scope require IMDSv2 tokens,
 * through the instance's own `MetadataOptions`.
 *
 * It injects `httpTokens: HttpTokens.REQUIRED` and, when the props set none, the hop limit.
 * It never injects `requireImdsv2`, which attaches a launch template to the instance
 * (a replacement of a running instance on deploy). An instance whose props already set
 * `requireImdsv2: true` is left as it is: aws-cdk-lib's aspect closes it through its
 * launch template, and metadata props next to `requireImdsv2` are an error in aws-cdk-lib.
 * `httpEndpoint: false` (no IMDS at all) is kept.
 *
 * It also covers `ec2.BastionHostLinux`, which builds an `ec2.Instance`, and every
 * subclass of `ec2.Instance`.
 *
 * @example
 * import { PropertyInjectors } from 'aws-cdk-lib';
 * import { Imdsv2InstancePropertyInjector } from 'cdk-imdsv2';
 *
 * declare const app: App;
 *
 * PropertyInjectors.of(app).add(new Imdsv2InstancePropertyInjector());
 */
export class Imdsv2InstancePropertyInjector implements IPropertyInjector {
  /** The unique id of `ec2.Instance`. */
  public readonly constructUniqueId: string;
  private readonly hopLimit: number;

  /**
   * @param props the hop limit to inject where the props set none
   */
  constructor(props: Imdsv2PropertyInjectorProps = {}) {
    this.constructUniqueId = Instance.PROPERTY_INJECTION_ID;
    this.hopLimit = injectorHopLimit(props.httpPutResponseHopLimit, props.hopLimit);
  }

  /**
   * Return the props of an `ec2.Instance` with tokens required.
   *
   * @param originalProps the props the `ec2.Instance` was created with
   * @param context where the construct is created (scope and id)
   */
  public inject(originalProps: any, context: InjectionContext): any {
    void context;
    if (originalProps?.requireImdsv2 === true) return originalProps;
    return {
      ...originalProps,
      httpTokens: HttpTokens.REQUIRED,
      httpPutResponseHopLimit: originalProps?.httpPutResponseHopLimit ?? this.hopLimit,
    };
  }
}
