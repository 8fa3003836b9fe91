/**
 * Properties of the IMDSv2 property injectors.
 */
export interface Imdsv2PropertyInjectorProps {
  /**
   * The hop limit given to instances and launch templates that set none.
   *
   * A hop limit the construct's own props set is kept. 1 keeps the token on the host;
   * container hosts whose containers need IMDS use 2 (set it there, or use this
   * library's constructs with `containerHost`).
   *
   * @default 1
   */
  readonly hopLimit?: number;
}
