export * from './imdsv2-check-options';
export * from './imdsv2-validator';
