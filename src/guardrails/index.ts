export * from './instance-metadata-defaults-options';
export * from './instance-metadata-defaults';
export * from './imdsv2-service-control-policy';
export * from './imdsv2-declarative-policy';
export * from './imdsv2-alarms';
export * from './imdsv2-config-rules';
export * from './ami-imds-support';
export * from './imdsv2-call-tracer';
