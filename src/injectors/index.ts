export * from './imdsv2-property-injector-props';
export * from './imdsv2-instance-property-injector';
export * from './imdsv2-launch-template-property-injector';
export * from './imdsv2-auto-scaling-group-property-injector';
export * from './imdsv2-property-injectors';
