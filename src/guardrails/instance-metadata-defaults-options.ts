// The settings shared by the account defaults (`InstanceMetadataDefaults`) and the
// organisation's declarative policy (`Imdsv2DeclarativePolicy`). The values are the
// EC2 API's; the declarative policy writes them with an underscore (`no_preference`).

/**
 * Whether new instances get an instance metadata endpoint, by default.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataDefaults.html
 */
export enum InstanceMetadataDefaultsEndpoint {
  /** The endpoint is on (with tokens required, that is IMDSv2 only). */
  ENABLED = 'enabled',
  /** No instance metadata at all: compliant, but anything that reads IMDS on the instance breaks. */
  DISABLED = 'disabled',
  /** No account-level setting: the launch's own setting, else the AMI's, applies. */
  NO_PREFERENCE = 'no-preference',
}

/**
 * Whether new instances can read their tags from instance metadata, by default.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/work-with-tags-in-IMDS.html
 */
export enum InstanceMetadataDefaultsTags {
  /** Tags can be read from IMDS. */
  ENABLED = 'enabled',
  /** Tags cannot be read from IMDS. */
  DISABLED = 'disabled',
  /** No account-level setting. */
  NO_PREFERENCE = 'no-preference',
}

/**
 * Whether the account refuses any launch (or change) that would leave IMDSv1 on.
 *
 * With `ENABLED`, `RunInstances` fails unless the instance requires tokens, and
 * `ModifyInstanceMetadataOptions` cannot set `HttpTokens` back to `optional`. Anything that
 * still launches instances with `HttpTokens: optional` (an old launch template behind an
 * Auto Scaling group, for example) then fails to launch: turn it on once the
 * `MetadataNoToken` alarms (`Imdsv2Alarms`) have been quiet for long enough.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html#enforce-imdsv2-at-the-account-level
 */
export enum InstanceMetadataDefaultsEnforcement {
  /** Launching or re-enabling IMDSv1 is refused. */
  ENABLED = 'enabled',
  /** Not enforced. */
  DISABLED = 'disabled',
  /** No account-level setting. */
  NO_PREFERENCE = 'no-preference',
}
