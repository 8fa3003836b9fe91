/**
 * Properties of the IMDSv2 property injectors.
 */
export interface Imdsv2PropertyInjectorProps {
  /**
   * The hop limit given to instances and launch templates that set none, 1 to 64.
   *
   * A hop limit the construct's own props set is kept. 1 keeps the token on the host;
   * container hosts whose containers need IMDS use 2 (set it there, or use this
   * library's constructs with `containerImdsAccess`).
   *
   * Named as in `ec2.InstanceProps` and `ec2.LaunchTemplateProps`, whose prop it fills in.
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-instance-metadataoptions.html#cfn-ec2-instance-metadataoptions-httpputresponsehoplimit
   * @default 1
   */
  readonly httpPutResponseHopLimit?: number;

  /**
   * The hop limit given to instances and launch templates that set none.
   *
   * Giving it together with `httpPutResponseHopLimit` and a different value is an error.
   *
   * @deprecated use `httpPutResponseHopLimit`, the name every other hop limit of a resource has in this library
   * @default 1
   */
  readonly hopLimit?: number;
}
