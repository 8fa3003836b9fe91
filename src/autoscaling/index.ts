export * from './imdsv2-auto-scaling-group';
