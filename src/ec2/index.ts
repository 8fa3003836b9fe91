export * from './imdsv2-instance';
export * from './imdsv2-launch-template';
